"""Validation and writes for calendars (docs/calendars.md; docs/metrics.md, "Calendars")."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from afterdesk.calendars.consumers import calendar_hours_changed
from afterdesk.calendars.models import Calendar, MarketHolidays
from afterdesk.core.errors import Conflict, NotFound, ValidationError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def _minutes(clock: object, field: str) -> int:
    if not isinstance(clock, str) or not _CLOCK.match(clock):
        raise ValidationError(
            _("%(field)s: %(clock)s is not a HH:MM time") % {"field": field, "clock": repr(clock)},
            field=field,
        )
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def calendar_validate(
    *, tz: object, hours: object, holidays: object = None
) -> tuple[str, dict[str, list[list[str]]], list[str]]:
    """Check a calendar's fields; return them normalised, or raise naming the field."""
    if not isinstance(tz, str) or not tz:
        raise ValidationError(_("tz must be an IANA time zone name"), field="tz")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("unknown time zone %(tz)s") % {"tz": repr(tz)}, field="tz") from exc
    if not isinstance(hours, dict):
        raise ValidationError(_("hours must be an object of weekday → intervals"), field="hours")
    clean_hours: dict[str, list[list[str]]] = {}
    for day, intervals in hours.items():
        field = f"hours.{day}"
        if day not in WEEKDAYS:
            raise ValidationError(
                _("%(field)s: unknown weekday (use mon…sun)") % {"field": field}, field=field
            )
        if not isinstance(intervals, list):
            raise ValidationError(
                _("%(field)s: must be a list of intervals") % {"field": field}, field=field
            )
        previous_end = -1
        clean: list[list[str]] = []
        for interval in intervals:
            if not (isinstance(interval, list) and len(interval) == 2):
                raise ValidationError(
                    _("%(field)s: interval must be [start, end]") % {"field": field}, field=field
                )
            start, end = _minutes(interval[0], field), _minutes(interval[1], field)
            if start == 24 * 60:
                raise ValidationError(
                    _("%(field)s: an interval cannot start at 24:00") % {"field": field},
                    field=field,
                )
            if start >= end:
                raise ValidationError(
                    _("%(field)s: interval start must be before end") % {"field": field},
                    field=field,
                )
            if start < previous_end:
                raise ValidationError(
                    _("%(field)s: intervals must be sorted and not overlap") % {"field": field},
                    field=field,
                )
            previous_end = end
            clean.append([interval[0], interval[1]])
        clean_hours[day] = clean
    clean_holidays: list[str] = []
    if holidays is not None:
        if not isinstance(holidays, list):
            raise ValidationError(
                _("holidays must be a list of YYYY-MM-DD dates"), field="holidays"
            )
        for item in holidays:
            try:
                if not isinstance(item, str) or len(item) != 10:
                    raise ValueError
                date.fromisoformat(item)
            except ValueError as exc:
                raise ValidationError(
                    _("holidays: %(item)s is not a YYYY-MM-DD date") % {"item": repr(item)},
                    field="holidays",
                ) from exc
            clean_holidays.append(item)
    return tz, clean_hours, clean_holidays


_MARKET = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,9}$")


def market_validate(market: object, field: str = "market") -> str:
    """A market code as tickets carry it (e.g. "DE"): 1 to 10 capitals, digits, - or _."""
    if not isinstance(market, str) or not _MARKET.match(market):
        raise ValidationError(
            _("%(field)s: %(market)s is not a market code (e.g. DE; up to 10 capitals)")
            % {"field": field, "market": repr(market)},
            field=field,
        )
    return market


def markets_validate(markets: object) -> list[str]:
    if markets is None:
        return []
    if not isinstance(markets, list):
        raise ValidationError(_("markets must be a list of market codes"), field="markets")
    clean: list[str] = []
    for market in markets:
        if market_validate(market, "markets") not in clean:
            clean.append(market)
    return clean


def closed_dates(own: list[str], markets: list[str]) -> list[str]:
    """A calendar's closed dates: its own, in their order, then its markets' holidays that
    are not among them, sorted. No markets: exactly its own (existing figures unchanged)."""
    if not markets:
        return list(own)
    extra: set[str] = set()
    for dates in MarketHolidays.objects.filter(market__in=markets).values_list("dates", flat=True):
        extra.update(dates)
    return [*own, *sorted(extra - set(own))]


def calendar_upsert(
    *,
    key: str,
    tz: object,
    hours: object,
    holidays: object = None,
    name: str = "",
    markets: object = None,
) -> Calendar:
    """Create a calendar, or replace an existing one's fields (recomputing its tickets' facts
    when its time changes, as calendar_update does). Created or deleted meanwhile by someone
    else: the other way is tried once more, then it is a 409 (never a 500)."""
    for _attempt in range(2):
        existing = Calendar.objects.filter(key=key).first()
        try:
            if existing is not None:
                return calendar_update(
                    calendar=existing,
                    tz=tz,
                    hours=hours,
                    holidays=holidays,
                    name=name,
                    markets=markets,
                )
            return calendar_create(
                key=key, tz=tz, hours=hours, holidays=holidays, name=name, markets=markets
            )
        except NotFound:  # deleted between the read and the update: create it
            continue
        except Conflict as error:  # created between the read and the insert: update it
            if existing is None and error.field == "key":
                continue
            raise
    raise Conflict(
        _("calendar %(key)s is being changed by someone else; try again") % {"key": repr(key)},
        field="key",
    )


def calendar_to_history(calendar: Calendar) -> dict[str, Any]:
    """The history line: `holidays` are every closed date (its markets' too), so the file
    alone gives the same business time elsewhere (docs/calendars.md, "History")."""
    line: dict[str, Any] = {
        "type": "calendar",
        "id": calendar.key,
        "tz": calendar.tz,
        "hours": calendar.hours,
    }
    if calendar.holidays:
        line["holidays"] = calendar.holidays
    return line


def calendar_create(
    *,
    key: str,
    tz: object,
    hours: object,
    holidays: object = None,
    name: str = "",
    markets: object = None,
) -> Calendar:
    """A new calendar; a key already in use is a conflict (use `calendar_update`).
    `holidays` are its own closed dates; its `markets` add theirs."""
    clean_tz, clean_hours, clean_holidays = calendar_validate(tz=tz, hours=hours, holidays=holidays)
    clean_markets = markets_validate(markets)
    conflict = Conflict(f"calendar {key!r} already exists", field="key")
    try:
        with transaction.atomic():
            if Calendar.objects.filter(key=key).exists():
                raise conflict
            return Calendar.objects.create(
                key=key,
                name=name,
                tz=clean_tz,
                hours=clean_hours,
                own_holidays=clean_holidays,
                markets=clean_markets,
                holidays=closed_dates(clean_holidays, clean_markets),
            )
    except IntegrityError as exc:  # created by someone else since the check: the key is unique
        raise conflict from exc


def calendar_update(
    *,
    calendar: Calendar,
    tz: object,
    hours: object,
    holidays: object = None,
    name: str = "",
    markets: object = None,
) -> Calendar:
    """Replace a calendar's fields (`holidays`: its own dates). When its time changes (zone,
    hours or closed dates), the business durations and deadlines of its tickets are
    recomputed (docs/metrics.md, "Calendars": facts follow the stored history and calendars),
    in the same transaction."""
    clean_tz, clean_hours, clean_holidays = calendar_validate(tz=tz, hours=hours, holidays=holidays)
    clean_markets = markets_validate(markets)
    with transaction.atomic():
        # Locked and read again: deleted meanwhile is a 404, and "changed" compares with what
        # is stored now, not with what the caller loaded (a concurrent update in between).
        current = _locked(calendar)
        closed = closed_dates(clean_holidays, clean_markets)
        changed = (current.tz, current.hours, current.holidays) != (clean_tz, clean_hours, closed)
        calendar.name, calendar.tz, calendar.hours = name, clean_tz, clean_hours
        calendar.own_holidays, calendar.markets = clean_holidays, clean_markets
        calendar.holidays = closed
        calendar.save(update_fields=["name", "tz", "hours", "holidays", "own_holidays", "markets"])
        if changed:
            calendar_hours_changed.notify(calendar=calendar)
    return calendar


def calendar_history_apply(
    *, key: str, tz: str, hours: dict[str, list[list[str]]], holidays: list[str]
) -> tuple[Calendar, str]:
    """A history `calendar` line (already checked): "created", "updated" or "unchanged".
    The line's holidays are every closed date; those its markets already give are not kept as
    its own, so an export imported again changes nothing. Listeners are not told: the import
    recomputes what it needs itself."""
    calendar = Calendar.objects.filter(key=key).first()
    if calendar is None:
        created = Calendar.objects.create(
            key=key, tz=tz, hours=hours, holidays=list(holidays), own_holidays=list(holidays)
        )
        return created, "created"
    if (calendar.tz, calendar.hours, calendar.holidays) == (tz, hours, holidays):
        return calendar, "unchanged"
    given = set(closed_dates([], calendar.markets))
    calendar.tz, calendar.hours = tz, hours
    calendar.own_holidays = [d for d in holidays if d not in given]
    calendar.holidays = closed_dates(calendar.own_holidays, calendar.markets)
    calendar.save(update_fields=["tz", "hours", "holidays", "own_holidays"])
    return calendar, "updated"


def calendar_delete(*, calendar: Calendar) -> None:
    """Delete a calendar no ticket uses; one in use is a conflict (tickets keep theirs), one
    deleted meanwhile is a 404. The row is locked while its tickets are counted: a ticket
    given the calendar concurrently either is counted or waits and then finds it gone."""
    try:
        with transaction.atomic():
            _locked(calendar)
            in_use = calendar.tickets.count()
            if in_use:
                raise Conflict(f"calendar {calendar.key!r} is used by {in_use} ticket(s)")
            calendar.delete()
    except (ProtectedError, RestrictedError, IntegrityError) as exc:
        raise Conflict(_("calendar %(key)s is still in use") % {"key": repr(calendar.key)}) from exc


def _locked(calendar: Calendar) -> Calendar:
    """The calendar's stored row, locked until the transaction ends (PostgreSQL; SQLite
    serialises writers anyway); NotFound when it was deleted meanwhile."""
    current = Calendar.objects.select_for_update().filter(pk=calendar.pk).first()
    if current is None:
        raise NotFound(f"calendar {calendar.key!r} was deleted meanwhile")
    return current
