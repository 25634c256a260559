"""One implementation of working time for everyone (docs/calendars.md, "Team schedules",
"Split shifts"): `calendar_is_open` (routing's shifts), `business_duration` and `business_add`
(the SLA deadlines) over a calendar or a team's schedules as one (`ScheduledCalendar`):
split shifts across midnight, a DST change, a holiday per market, a dated exception."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from afterdesk.accounts.models import Team
from afterdesk.calendars.business_time import (
    BusinessCalendar,
    ScheduledCalendar,
    business_add,
    business_duration,
    calendar_is_open,
)
from afterdesk.calendars.markets import market_holidays_set
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.teams import (
    scheduled_calendar,
    team_calendar,
    team_calendars_set,
    team_schedules_load,
)

BERLIN = ZoneInfo("Europe/Berlin")
# A night shift: Friday 22:00 to Saturday 06:00, written as the two days' intervals.
NIGHT = {"fri": [["22:00", "24:00"]], "sat": [["00:00", "06:00"]]}
SPLIT = {d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def cal(hours: dict[str, list[list[str]]]) -> BusinessCalendar:
    return BusinessCalendar.from_fields(tz="Europe/Berlin", hours=hours)


def local(*args: int, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(*args, tzinfo=tz)  # type: ignore[misc]


def test_a_night_shift_across_midnight_is_open_on_both_sides() -> None:
    night = cal(NIGHT)
    # Friday 2026-12-04 23:30 and Saturday 05:59 are inside; Saturday 06:00 and Friday 21:59 not.
    assert calendar_is_open(night, local(2026, 12, 4, 23, 30))
    assert calendar_is_open(night, local(2026, 12, 5, 0, 0))
    assert calendar_is_open(night, local(2026, 12, 5, 5, 59))
    assert not calendar_is_open(night, local(2026, 12, 5, 6, 0))
    assert not calendar_is_open(night, local(2026, 12, 4, 21, 59))
    # Eight hours of the shift, counted once though it spans two dates.
    start = local(2026, 12, 4, 12)
    assert business_duration(night, start, local(2026, 12, 6)) == timedelta(hours=8)
    # A deadline of 3 business hours from Friday noon falls at Saturday 01:00.
    assert business_add(night, start, timedelta(hours=3)) == local(2026, 12, 5, 1)


def test_a_split_shift_is_closed_at_lunch_and_deadlines_skip_it() -> None:
    split = cal(SPLIT)
    assert calendar_is_open(split, local(2026, 12, 7, 11, 59))
    assert not calendar_is_open(split, local(2026, 12, 7, 12, 0))
    assert not calendar_is_open(split, local(2026, 12, 7, 13, 59))
    assert calendar_is_open(split, local(2026, 12, 7, 14, 0))
    # Four business hours from Monday 10:00: 2 before lunch, 2 after: 16:00.
    assert business_add(split, local(2026, 12, 7, 10), timedelta(hours=4)) == local(2026, 12, 7, 16)


def test_a_shift_across_the_spring_forward_gap_is_an_hour_shorter() -> None:
    # Europe/Berlin moves from 02:00 to 03:00 on Sunday 2026-03-29.
    night = cal({"sun": [["00:00", "06:00"]]})
    sunday = local(2026, 3, 29)
    assert business_duration(night, sunday, local(2026, 3, 29, 12)) == timedelta(hours=5)
    assert business_add(night, sunday, timedelta(hours=3)) == local(2026, 3, 29, 4)
    assert calendar_is_open(night, datetime(2026, 3, 29, 3, 30, tzinfo=UTC))  # 05:30 local
    assert not calendar_is_open(night, datetime(2026, 3, 29, 4, 0, tzinfo=UTC))  # 06:00


def test_a_team_schedules_dated_exception_wins_on_its_dates_only() -> None:
    default = cal(SPLIT)
    christmas = cal({d: [["10:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    rows = [
        (1, "", None, None, default),
        (2, "", date(2026, 12, 21), date(2026, 12, 31), christmas),
    ]
    team = scheduled_calendar(rows, "DE")
    assert isinstance(team, ScheduledCalendar)
    # Friday 2026-12-18: the default (7 h); Monday 2026-12-21: the exception (2 h).
    assert business_duration(team, local(2026, 12, 18), local(2026, 12, 19)) == timedelta(hours=7)
    assert business_duration(team, local(2026, 12, 21), local(2026, 12, 22)) == timedelta(hours=2)
    assert not calendar_is_open(team, local(2026, 12, 21, 15))
    assert calendar_is_open(team, local(2026, 12, 18, 15))
    # Eight business hours from Friday 18th 10:00: 6 that day, then 2 on Monday 21st.
    assert business_add(team, local(2026, 12, 18, 10), timedelta(hours=8)) == local(
        2026, 12, 21, 12
    )


def test_days_no_schedule_covers_count_in_the_fallback_or_all_day() -> None:
    only_december = [(1, "", date(2026, 12, 1), date(2026, 12, 31), cal(SPLIT))]
    open_all_day = scheduled_calendar(only_december, "")
    assert open_all_day is not None
    assert calendar_is_open(open_all_day, local(2027, 1, 2, 3))
    weekdays = cal({"mon": [["09:00", "10:00"]]})
    fallback = scheduled_calendar(only_december, "", weekdays)
    assert fallback is not None
    assert not calendar_is_open(fallback, local(2027, 1, 2, 3))
    assert calendar_is_open(fallback, local(2027, 1, 4, 9, 30))
    assert scheduled_calendar([], "DE") is None


@pytest.mark.django_db
def test_a_market_holiday_closes_the_team_schedule_of_that_market_only() -> None:
    team = Team.objects.create(name="EU desk")
    week = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    Calendar.objects.create(key="any", tz="Europe/Berlin", hours=week)
    Calendar.objects.create(key="germany", tz="Europe/Berlin", hours=week, markets=["DE"])
    market_holidays_set(market="DE", dates=["2026-10-05"], name="Germany")  # a Monday
    team_calendars_set(
        team=team, schedules=[{"calendar": "any"}, {"calendar": "germany", "market": "DE"}]
    )
    rows = team_schedules_load([team.pk])[team.pk]
    germany, france = scheduled_calendar(rows, "DE"), scheduled_calendar(rows, "FR")
    monday_noon = local(2026, 10, 5, 12)
    assert not calendar_is_open(germany, monday_noon)
    assert calendar_is_open(france, monday_noon)
    # A German ticket's 4 business hours from Friday 15:00 skip the holiday: Tuesday 11:00.
    friday = local(2026, 10, 2, 15)
    assert business_add(germany, friday, timedelta(hours=4)) == local(2026, 10, 6, 11)
    assert business_add(france, friday, timedelta(hours=4)) == local(2026, 10, 5, 11)
    # The model-level choice agrees with the one the calendars are built from.
    on_holiday = team_calendar(team_id=team.pk, market="DE", on=date(2026, 10, 5))
    assert on_holiday is not None
    assert on_holiday.key == "germany"
