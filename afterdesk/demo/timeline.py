"""When agents can work: the next open instant of a business-hours calendar line."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OpeningHours:
    """A `calendar` history line (docs/history.md, "Entity lines") that can say when it next
    opens."""

    def __init__(self, line: dict[str, Any] | None) -> None:
        self.line = line
        self.tz = ZoneInfo(line["tz"]) if line else None
        self.holidays = frozenset(line.get("holidays", ())) if line else frozenset()

    def _bound(self, day: date, clock: str) -> datetime:
        if self.tz is None:
            raise ValueError("a 24×7 calendar has no bounds")
        if clock == "24:00":
            return datetime.combine(day + timedelta(days=1), time(0), self.tz)
        hours, minutes = clock.split(":")
        return datetime.combine(day, time(int(hours), int(minutes)), self.tz)

    def next_open(self, at: datetime) -> datetime:
        """`at` if the calendar is open then, else the start of its next open interval."""
        if self.line is None or self.tz is None:
            return at
        local_day = at.astimezone(self.tz).date()
        for offset in range(-1, 15):
            day = local_day + timedelta(days=offset)
            if day.isoformat() in self.holidays:
                continue
            for start, end in self.line["hours"].get(WEEKDAYS[day.weekday()], ()):
                if at < self._bound(day, end):
                    return max(at, self._bound(day, start))
        return at

    def is_open(self, at: datetime) -> bool:
        return self.next_open(at) == at
