"""Holidays per market (docs/calendars.md, "Holidays per market"): a market's list is closed
on every calendar that declares the market, through the calendar's stored closed dates, so
metrics, the SLA engine and routing read the same hours."""

from __future__ import annotations

from django.db import transaction

from afterdesk.calendars.consumers import calendar_hours_changed
from afterdesk.calendars.models import Calendar, MarketHolidays
from afterdesk.calendars.services import calendar_validate, closed_dates, market_validate
from afterdesk.core.errors import NotFound


def market_holidays_set(*, market: object, dates: object, name: str = "") -> MarketHolidays:
    """Create or replace a market's holidays; every calendar of the market is recomputed
    (and its tickets' figures and deadlines) in the same transaction."""
    code = market_validate(market)
    _tz, _hours, clean_dates = calendar_validate(tz="UTC", hours={}, holidays=dates)
    clean_dates = sorted(set(clean_dates))
    with transaction.atomic():
        row, _created = MarketHolidays.objects.select_for_update().get_or_create(market=code)
        row.name, row.dates = name, clean_dates
        row.save(update_fields=["name", "dates"])
        _calendars_refresh(code)
    return row


def market_holidays_delete(*, market: str) -> None:
    with transaction.atomic():
        deleted, _ = MarketHolidays.objects.filter(market=market).delete()
        if not deleted:
            raise NotFound(f"no holidays for market {market!r}")
        _calendars_refresh(market)


def _calendars_refresh(market: str) -> None:
    # JSON containment is not portable to SQLite; calendars are few, so filter in Python.
    for calendar in Calendar.objects.select_for_update().order_by("pk"):
        if market not in calendar.markets:
            continue
        closed = closed_dates(calendar.own_holidays, calendar.markets)
        if closed != calendar.holidays:
            calendar.holidays = closed
            calendar.save(update_fields=["holidays"])
            calendar_hours_changed.notify(calendar=calendar)
