"""Business-hours calendars: everyone signed in reads them and asks for business time;
admins create, change and delete them (configuration)."""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import Team
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.calendars import markets, selectors, services, teams
from afterdesk.calendars.business_time import minutes
from afterdesk.calendars.models import Calendar, MarketHolidays, TeamCalendar
from afterdesk.calendars.schemas import (
    BusinessTimeOut,
    BusinessTimeQuery,
    CalendarFieldsIn,
    CalendarIn,
    CalendarKey,
    CalendarOut,
    MarketCode,
    MarketHolidaysIn,
    MarketHolidaysOut,
    TeamCalendarOut,
    TeamScheduleOut,
    TeamSchedulesIn,
)
from afterdesk.core.api_schemas import AUTH_ERRORS, READ_ERRORS, WRITE_ERRORS
from afterdesk.core.errors import NotFound, ValidationError
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
        markets=payload.markets,
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
        markets=payload.markets,
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


@router.get("/market-holidays", response={200: list[MarketHolidaysOut], **AUTH_ERRORS})
def market_holidays_list(request: HttpRequest) -> list[MarketHolidays]:
    request_user(request)
    return list(MarketHolidays.objects.all())


@router.put(
    "/market-holidays/{market}",
    response={200: MarketHolidaysOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def market_holidays_put(
    request: HttpRequest, market: MarketCode, payload: MarketHolidaysIn
) -> MarketHolidays:
    """Create or replace a market's holidays (admins): every calendar declaring the market
    closes on them, and its tickets' figures and deadlines are recomputed."""
    user_require_configure(user=request_user(request))
    return markets.market_holidays_set(market=market, name=payload.name, dates=payload.dates)


@router.delete("/market-holidays/{market}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE)
def market_holidays_delete(request: HttpRequest, market: MarketCode) -> Status[None]:
    user_require_configure(user=request_user(request))
    markets.market_holidays_delete(market=market)
    return Status(204, None)


def _team(team_id: int) -> Team:
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise NotFound(f"no team {team_id}")
    return team


@router.get("/teams/{team_id}/schedules", response={200: list[TeamScheduleOut], **READ_ERRORS})
def team_schedules_get(request: HttpRequest, team_id: int) -> list[TeamCalendar]:
    request_user(request)
    team = _team(team_id)
    return list(TeamCalendar.objects.filter(team=team).select_related("calendar"))


@router.put(
    "/teams/{team_id}/schedules",
    response={200: list[TeamScheduleOut], **WRITE_ERRORS},
    auth=CONFIGURE,
)
def team_schedules_put(
    request: HttpRequest, team_id: int, payload: TeamSchedulesIn
) -> list[TeamCalendar]:
    """Replace a team's schedules (admins); docs/calendars.md, "Team schedules"."""
    user_require_configure(user=request_user(request))
    return teams.team_calendars_set(
        team=_team(team_id), schedules=[s.model_dump() for s in payload.schedules]
    )


@router.get("/teams/{team_id}/calendar", response={200: TeamCalendarOut, **READ_ERRORS})
def team_calendar_get(
    request: HttpRequest, team_id: int, on: date, market: str = ""
) -> dict[str, object]:
    """The team's calendar in force for a ticket of `market` on date `on`."""
    request_user(request)
    team = _team(team_id)
    calendar = teams.team_calendar(team_id=team.pk, market=market, on=on)
    return {
        "team": team.pk,
        "market": market,
        "on": on,
        "calendar": calendar.key if calendar else None,
    }
