"""Business time (docs/metrics.md, "Business time"), checked against a minute-by-minute
reference."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from afterdesk.calendars.business_time import BusinessCalendar, business_duration, minutes

BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def cal(
    hours: dict[str, list[list[str]]], tz: str = "Europe/Berlin", holidays: tuple[str, ...] = ()
) -> BusinessCalendar:
    return BusinessCalendar.from_fields(tz=tz, hours=hours, holidays=holidays)


def at(*args: int, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_no_calendar_is_elapsed_time() -> None:
    a = datetime(2026, 10, 1, tzinfo=UTC)
    assert business_duration(None, a, a + timedelta(minutes=90, seconds=30)) == timedelta(
        minutes=90, seconds=30
    )


def test_within_and_across_days() -> None:
    c = cal(NINE_TO_FIVE)
    # Thu 2026-10-01 16:00 → Fri 10:30 = 1 h + 1.5 h
    assert minutes(business_duration(c, at(2026, 10, 1, 16), at(2026, 10, 2, 10, 30))) == 150
    # Fri 16:00 → Mon 09:30 = 1 h + 0.5 h
    assert minutes(business_duration(c, at(2026, 10, 2, 16), at(2026, 10, 5, 9, 30))) == 90


def test_holiday_closes_the_whole_local_date() -> None:
    c = cal(NINE_TO_FIVE, holidays=("2026-10-02",))
    assert minutes(business_duration(c, at(2026, 10, 1, 16), at(2026, 10, 5, 9, 30))) == 90


def test_spring_forward_interval_is_real_elapsed_time() -> None:
    # 2026-03-29 Berlin: 02:00 → 03:00. Open 00:00–06:00 is 5 real hours.
    c = cal({"sun": [["00:00", "06:00"]]})
    assert minutes(business_duration(c, at(2026, 3, 28), at(2026, 3, 30))) == 300


def test_autumn_back_interval_is_real_elapsed_time() -> None:
    # 2026-10-25 Berlin: 03:00 → 02:00. Open 00:00–06:00 is 7 real hours.
    c = cal({"sun": [["00:00", "06:00"]]})
    assert minutes(business_duration(c, at(2026, 10, 24), at(2026, 10, 26))) == 420


def test_boundary_in_gap_uses_offset_before_change() -> None:
    # 02:30 does not exist on 2026-03-29; it means 01:30 UTC (= 03:30 CEST). Open 02:30–04:00
    # is therefore 03:30–04:00 CEST = 30 real minutes.
    c = cal({"sun": [["02:30", "04:00"]]})
    assert minutes(business_duration(c, at(2026, 3, 29), at(2026, 3, 30))) == 30


def test_touching_intervals_and_midnight() -> None:
    c = cal({"mon": [["00:00", "12:00"], ["12:00", "24:00"]], "tue": [["00:00", "01:00"]]})
    assert minutes(business_duration(c, at(2026, 10, 5, 23), at(2026, 10, 6, 2))) == 120


def test_exact_seconds_are_kept() -> None:
    c = cal(NINE_TO_FIVE)
    d = business_duration(c, at(2026, 10, 1, 9), at(2026, 10, 1, 9, 0, 1))
    assert d == timedelta(seconds=1)
    assert minutes(d) == 1 / 60


def reference_minutes(c: BusinessCalendar, a: datetime, b: datetime) -> int:
    """Minute-by-minute reference (only for whole-minute instants in the tests)."""
    total = 0
    t = a
    while t < b:
        local = t.astimezone(c.tz)
        open_now = local.date() not in c.holidays and any(
            _in(c, local, s, e) for s, e in c.week[local.weekday()]
        )
        total += open_now
        t += timedelta(minutes=1)
    return total


def _in(c: BusinessCalendar, local: datetime, start: int, end: int) -> bool:
    s = c._instant(local.date(), start)
    e = c._instant(local.date(), end)
    return s <= local.astimezone(UTC) < e


clocks = st.integers(min_value=0, max_value=96).map(lambda q: q * 15)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    hours: dict[str, list[list[str]]] = {}
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        points = sorted(set(draw(st.lists(clocks, max_size=4))))
        pairs = [points[i : i + 2] for i in range(0, len(points) - 1, 2)]
        hours[day] = [
            [f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in pairs
        ]
    tz = draw(st.sampled_from(["Europe/Berlin", "America/New_York", "Asia/Tokyo", "UTC"]))
    return BusinessCalendar.from_fields(
        tz=tz, hours=hours, holidays=draw(st.sampled_from([(), ("2026-03-29",), ("2026-11-01",)]))
    )


@settings(max_examples=60, deadline=None)
@given(
    c=calendars(),
    start=st.integers(min_value=0, max_value=60 * 24 * 20),
    length=st.integers(min_value=0, max_value=60 * 24 * 4),
    base=st.sampled_from(
        [
            datetime(2026, 3, 26, tzinfo=UTC),
            datetime(2026, 10, 22, tzinfo=UTC),
            datetime(2026, 3, 5, tzinfo=UTC),
        ]
    ),
)
def test_matches_minute_reference(
    c: BusinessCalendar, start: int, length: int, base: datetime
) -> None:
    a = base + timedelta(minutes=start)
    b = a + timedelta(minutes=length)
    assert minutes(business_duration(c, a, b)) == reference_minutes(c, a, b)
