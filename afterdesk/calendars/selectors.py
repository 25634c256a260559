"""Reads of calendars: everyone signed in may read them (they are not secret)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, QuerySet

from afterdesk.calendars.business_time import BusinessCalendar, business_duration
from afterdesk.calendars.models import Calendar
from afterdesk.core.errors import NotFound, ValidationError


def calendars_list() -> QuerySet[Calendar]:
    """Every calendar with `ticket_count`, the number of tickets using it."""
    return Calendar.objects.annotate(ticket_count=Count("tickets")).order_by("key")


def calendar_get(*, key: str) -> Calendar:
    calendar = calendars_list().filter(key=key).first()
    if calendar is None:
        raise NotFound(f"no calendar {key!r}")
    return calendar


def calendar_business_time(*, calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """The business time of [start, end) on the calendar (docs/metrics.md, "Business time")."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("period bounds need an offset", field="from")
    if start > end:
        raise ValidationError("from must not be after to", field="from")
    business = BusinessCalendar.from_fields(
        tz=calendar.tz, hours=calendar.hours, holidays=calendar.holidays
    )
    return business_duration(business, start, end)
