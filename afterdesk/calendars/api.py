"""Business-hours calendars: everyone signed in reads them and asks for business time;
admins create, change and delete them (configuration)."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.calendars import selectors, services
from afterdesk.calendars.business_time import minutes
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.schemas import (
    BusinessTimeOut,
    BusinessTimeQuery,
    CalendarFieldsIn,
    CalendarIn,
    CalendarKey,
    CalendarOut,
)
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS
from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import parse_instant

router = Router(tags=["calendars"])
# Checked before the path, query and body are read (afterdesk.accounts.api_auth.requires).
CONFIGURE = requires(lambda user: user_require_configure(user=user))


@router.get("/calendars", response={200: list[CalendarOut], **AUTH_ERRORS})
def calendars_list(request: HttpRequest) -> list[Calendar]:
    request_user(request)
    return list(selectors.calendars_list())


@router.get("/calendars/{key}", response={200: CalendarOut, **READ_ERRORS})
def calendar_get(request: HttpRequest, key: CalendarKey) -> Calendar:
    request_user(request)
    return selectors.calendar_get(key=key)


@router.post("/calendars", response={201: CalendarOut, **WRITE_ERRORS}, auth=CONFIGURE)
def calendar_create(request: HttpRequest, payload: CalendarIn) -> Status[Calendar]:
    """A new calendar (admins); a key in use is a 409."""
    user_require_configure(user=request_user(request))
    calendar = services.calendar_create(
        key=payload.key,
        name=payload.name,
        tz=payload.tz,
        hours=payload.hours,
        holidays=payload.holidays,
    )
    return Status(201, selectors.calendar_get(key=calendar.key))


@router.put("/calendars/{key}", response={200: CalendarOut, **WRITE_ERRORS}, auth=CONFIGURE)
def calendar_update(request: HttpRequest, key: CalendarKey, payload: CalendarFieldsIn) -> Calendar:
    """Replace a calendar's name, zone, hours and holidays (admins); the metric facts of its
    tickets are recomputed when its time changes."""
    user_require_configure(user=request_user(request))
    calendar = selectors.calendar_get(key=key)
    services.calendar_update(
        calendar=calendar,
        name=payload.name,
        tz=payload.tz,
        hours=payload.hours,
        holidays=payload.holidays,
    )
    return selectors.calendar_get(key=key)


@router.delete("/calendars/{key}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE)
def calendar_delete(request: HttpRequest, key: CalendarKey) -> Status[None]:
    """Delete a calendar (admins); one that tickets use is a 409."""
    user_require_configure(user=request_user(request))
    services.calendar_delete(calendar=selectors.calendar_get(key=key))
    return Status(204, None)


@router.get("/calendars/{key}/business-minutes", response={200: BusinessTimeOut, **READ_ERRORS})
def calendar_business_minutes(
    request: HttpRequest, key: CalendarKey, query: Query[BusinessTimeQuery]
) -> dict[str, float | int]:
    """Business time of [from, to) on the calendar (docs/metrics.md, "Business time")."""
    request_user(request)
    calendar = selectors.calendar_get(key=key)
    bounds = []
    for field, value in (("from", query.start), ("to", query.end)):
        try:
            bounds.append(parse_instant(value))
        except ValueError as exc:
            raise ValidationError(f"{field}: {exc}", field=field) from exc
    duration = selectors.calendar_business_time(calendar=calendar, start=bounds[0], end=bounds[1])
    return {"minutes": minutes(duration), "seconds": duration // timedelta(seconds=1)}
