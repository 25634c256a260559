from __future__ import annotations

import pytest

from afterdesk.calendars.services import calendar_upsert, calendar_validate
from afterdesk.core.errors import ValidationError

WEEKDAYS_9_TO_5 = {"mon": [["09:00", "17:00"]]}


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"mon": [["09:00", "08:00"]]}, "hours.mon"),
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "hours.mon"),
        ({"mon": [["13:00", "17:00"], ["09:00", "12:00"]]}, "hours.mon"),
        ({"mon": [["9:00", "12:00"]]}, "hours.mon"),
        ({"mon": [["24:00", "24:00"]]}, "hours.mon"),
        ({"funday": [["09:00", "12:00"]]}, "hours.funday"),
        ({"mon": "09:00-17:00"}, "hours.mon"),
        ([], "hours"),
    ],
)
def test_invalid_hours_are_rejected_naming_the_field(hours: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        calendar_validate(tz="Europe/Berlin", hours=hours)
    assert info.value.field == field


def test_touching_intervals_and_midnight_end_are_valid() -> None:
    tz, hours, holidays = calendar_validate(
        tz="Asia/Tokyo",
        hours={"mon": [["00:00", "12:00"], ["12:00", "24:00"]]},
        holidays=["2026-12-31"],
    )
    assert (tz, hours["mon"][1], holidays) == ("Asia/Tokyo", ["12:00", "24:00"], ["2026-12-31"])


@pytest.mark.parametrize(
    ("tz", "holidays", "field"),
    [("Mars/Olympus", None, "tz"), ("", None, "tz"), ("UTC", ["2026-13-01"], "holidays")],
)
def test_bad_zone_or_holiday(tz: str, holidays: object, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        calendar_validate(tz=tz, hours=WEEKDAYS_9_TO_5, holidays=holidays)
    assert info.value.field == field


@pytest.mark.django_db
def test_upsert_replaces() -> None:
    calendar_upsert(key="de", tz="Europe/Berlin", hours=WEEKDAYS_9_TO_5, holidays=["2026-10-03"])
    calendar = calendar_upsert(key="de", tz="Europe/Berlin", hours={})
    assert (calendar.hours, calendar.holidays) == ({}, [])
