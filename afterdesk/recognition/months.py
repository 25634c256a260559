"""Months in the desk time zone: an award's month is [first day 00:00, next first day 00:00)
local time (docs/metrics.md, "Periods and who appears")."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import MAX_YEAR, MIN_YEAR

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def desk_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_parse(text: str) -> date:
    """`YYYY-MM` → the month's first day; anything else is a ValidationError on `month`."""
    found = MONTH_PATTERN.match(text.strip())
    if found is None:
        raise ValidationError("month must be YYYY-MM, e.g. 2026-11", field="month")
    year, month = int(found.group(1)), int(found.group(2))
    if not 1 <= month <= 12:
        raise ValidationError("month must be 01 to 12", field="month")
    # One month of margin each side, so the previous month's bounds stay in range too.
    if not MIN_YEAR < year < MAX_YEAR:
        raise ValidationError(
            f"year must be between {MIN_YEAR + 1} and {MAX_YEAR - 1}", field="month"
        )
    return date(year, month, 1)


def month_next(month: date) -> date:
    return (month.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_previous(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = desk_zone()
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=zone)
    return start, datetime.combine(month_next(month), time.min, tzinfo=zone)


def month_containing(moment: datetime) -> date:
    return moment.astimezone(desk_zone()).date().replace(day=1)


def last_complete_month(now: datetime) -> date:
    """The month before the one `now` falls in (desk time zone): the latest finished month."""
    return month_previous(month_containing(now))


def month_complete(month: date, now: datetime) -> bool:
    return month_bounds(month)[1] <= now
