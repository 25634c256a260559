"""Business time between two instants (docs/metrics.md, "Business time"), exact and DST-correct.

Each open interval of a local date is turned into real instants with `zoneinfo` and `fold=0`
(a boundary in a spring-forward gap takes the offset in force before the change; an autumn
boundary that occurs twice means its first occurrence); the intervals are merged so real time
is counted once and intersected with [a, b). The work is one step per local date, never per
minute, and durations stay integer microseconds (timedelta) until the caller converts them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZERO = timedelta(0)


@dataclass(frozen=True)
class BusinessCalendar:
    """An immutable calendar: zone, per-weekday (start, end) minutes, closed dates."""

    tz: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]  # index 0 = Monday
    holidays: frozenset[date]

    @classmethod
    def from_fields(
        cls, *, tz: str, hours: Mapping[str, Sequence[Sequence[str]]], holidays: Sequence[str] = ()
    ) -> BusinessCalendar:
        week = tuple(
            tuple((_clock(start), _clock(end)) for start, end in hours.get(key, ()))
            for key in WEEKDAY_KEYS
        )
        return cls(ZoneInfo(tz), week, frozenset(date.fromisoformat(d) for d in holidays))

    def open_intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        """Real (UTC) instants of the open intervals of local dates first…last, unmerged."""
        day = first
        while day <= last:
            if day not in self.holidays:
                for start, end in self.week[day.weekday()]:
                    yield self._instant(day, start), self._instant(day, end)
            day += timedelta(days=1)

    def has_open_hours(self) -> bool:
        return any(self.week)

    def is_open(self, at: datetime) -> bool:
        """Inside one of the open intervals (in the calendar's zone), not on a closed date."""
        return calendar_is_open(self, at)

    def _instant(self, day: date, minutes: int) -> datetime:
        if minutes == 24 * 60:
            day, minutes = day + timedelta(days=1), 0
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(UTC)  # fold=0 by construction


@dataclass(frozen=True)
class ScheduledCalendar:
    """Several calendars over time, as one: each local date counts in the first of
    `schedules` (in their order of precedence) valid that date, else in `fallback` (None:
    the whole day is open). A team's schedules (docs/calendars.md, "Team schedules") for one
    market; `business_duration`, `business_add` and `calendar_is_open` take it like a
    BusinessCalendar. Days are walked in `tz` (the zone of the first schedule); a margin
    of a day each side covers calendars in other zones."""

    tz: ZoneInfo
    schedules: tuple[tuple[date | None, date | None, BusinessCalendar], ...]
    fallback: BusinessCalendar | None = None

    def calendar_on(self, day: date) -> BusinessCalendar | None:
        for start, end, calendar in self.schedules:
            if (start is None or start <= day) and (end is None or day <= end):
                return calendar
        return self.fallback

    def has_open_hours(self) -> bool:
        if any(calendar.has_open_hours() for _start, _end, calendar in self.schedules):
            return True
        if any(start is None and end is None for start, end, _calendar in self.schedules):
            return False  # an open-ended schedule covers every day the others leave
        # Some day has no schedule in force: it counts in the fallback (None: all day).
        return self.fallback is None or self.fallback.has_open_hours()

    def is_open(self, at: datetime) -> bool:
        return calendar_is_open(self, at)

    def open_intervals(self, first: date, last: date) -> Iterator[tuple[datetime, datetime]]:
        day = first
        while day <= last:
            calendar = self.calendar_on(day)
            if calendar is None:
                start = datetime.combine(day, time(0), tzinfo=self.tz).astimezone(UTC)
                end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.tz)
                yield start, end.astimezone(UTC)
            else:
                yield from calendar.open_intervals(day, day)
            day += timedelta(days=1)


AnyCalendar = BusinessCalendar | ScheduledCalendar


def calendar_is_open(calendar: AnyCalendar | None, at: datetime) -> bool:
    """Whether the instant `at` is inside the calendar's open time (always, without one):
    an agent's shift, a team's schedules. The same intervals `business_duration` counts."""
    if calendar is None:
        return True
    local = at.astimezone(calendar.tz).date()
    return any(
        start <= at < end
        for start, end in calendar.open_intervals(
            local - timedelta(days=1), local + timedelta(days=1)
        )
    )


def _clock(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


@lru_cache(maxsize=256)
def calendar_from_json(tz: str, hours_json: str, holidays_json: str) -> BusinessCalendar:
    """Cached construction for callers holding a calendar's stored JSON text."""
    import json

    return BusinessCalendar.from_fields(
        tz=tz, hours=json.loads(hours_json), holidays=json.loads(holidays_json)
    )


def business_duration(calendar: AnyCalendar | None, a: datetime, b: datetime) -> timedelta:
    """Length of the overlap of [a, b) with the calendar's open time; 24×7 when no calendar."""
    if b <= a:
        return ZERO
    if calendar is None:
        return b - a
    # One local day of margin each side: an interval of the previous local date can reach
    # into `a`'s date (e.g. across a DST change or an interval ending at 24:00).
    first = a.astimezone(calendar.tz).date() - timedelta(days=1)
    last = b.astimezone(calendar.tz).date() + timedelta(days=1)
    total = ZERO
    covered_until = a  # merges overlapping intervals so no real time is counted twice
    for start, end in sorted(calendar.open_intervals(first, last)):
        start = max(start, covered_until)
        end = min(end, b)
        if end > start:
            total += end - start
            covered_until = end
        if covered_until >= b:
            break
    return total


def minutes(duration: timedelta) -> float:
    """Minutes as reported: seconds / 60, unrounded (docs/metrics.md, "Exact durations and
    comparisons")."""
    return duration / timedelta(minutes=1)


def business_add(calendar: AnyCalendar | None, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of the calendar's open time has passed since `start`
    (the inverse of `business_duration`: `business_duration(c, start, result) == duration`);
    plain addition when no calendar. The earliest such instant: a deadline falling at the end
    of an open interval is that end, not the next opening. Walks one local week at a time;
    a calendar with no open time at all raises ValueError (no deadline can be reached)."""
    if duration <= ZERO:
        return start
    if calendar is None:
        return start + duration
    if not calendar.has_open_hours():
        raise ValueError("the calendar has no open hours")
    remaining = duration
    covered_until = start
    first = start.astimezone(calendar.tz).date() - timedelta(days=1)
    empty_weeks = 0
    while True:
        last = first + timedelta(days=6)
        found = False
        for interval_start, interval_end in sorted(calendar.open_intervals(first, last)):
            interval_start = max(interval_start, covered_until)
            if interval_end <= interval_start:
                continue
            found = True
            length = interval_end - interval_start
            if length >= remaining:
                return interval_start + remaining
            remaining -= length
            covered_until = interval_end
        # Holidays may close whole weeks; a calendar closed for ten years is an error.
        empty_weeks = 0 if found else empty_weeks + 1
        if empty_weeks > 520:
            raise ValueError("the calendar has no open hours in the next ten years")
        first = last + timedelta(days=1)
