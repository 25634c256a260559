"""Several schedules per team (docs/calendars.md, "Team schedules"): a team lists calendars,
each for a market or any, between optional dates; `team_calendar` picks the one in force."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import Team
from afterdesk.calendars.business_time import (
    BusinessCalendar,
    ScheduledCalendar,
    calendar_from_json,
)
from afterdesk.calendars.consumers import team_schedules_changed
from afterdesk.calendars.models import Calendar, TeamCalendar
from afterdesk.calendars.services import market_validate
from afterdesk.core.errors import ValidationError


def team_calendars_set(*, team: Team, schedules: list[dict[str, Any]]) -> list[TeamCalendar]:
    """Replace the team's schedules. Each: `calendar` (key), `market` ("" = any),
    `valid_from` and `valid_until` (dates or None; both included)."""
    rows: list[TeamCalendar] = []
    keys = {str(s.get("calendar")) for s in schedules}
    calendars = {c.key: c for c in Calendar.objects.filter(key__in=keys)}
    for number, schedule in enumerate(schedules):
        field = f"schedules[{number}]"
        calendar = calendars.get(str(schedule.get("calendar")))
        if calendar is None:
            raise ValidationError(f"{field}: no calendar {schedule.get('calendar')!r}", field=field)
        market = schedule.get("market") or ""
        if market:
            market_validate(market, field)
        start, end = (
            _date(schedule.get("valid_from"), field),
            _date(schedule.get("valid_until"), field),
        )
        if start and end and start > end:
            raise ValidationError(f"{field}: valid_from is after valid_until", field=field)
        rows.append(
            TeamCalendar(
                team=team, calendar=calendar, market=market, valid_from=start, valid_until=end
            )
        )
    with transaction.atomic():
        TeamCalendar.objects.filter(team=team).delete()
        TeamCalendar.objects.bulk_create(rows)
        team_schedules_changed.notify(team=team)
    return list(TeamCalendar.objects.filter(team=team).select_related("calendar"))


# One schedule as the choosing needs it: (id, market, valid_from, valid_until, calendar).
Schedule = tuple[int, str, date | None, date | None, Any]


def schedules_ordered(schedules: Iterable[Schedule], market: str) -> list[Schedule]:
    """The schedules that may apply to a ticket of `market`, in precedence order: one for
    that market beats one for any market; then the latest `valid_from` (a dated exception
    beats the open-ended default); then the first listed. The first of them valid on a date
    is the one in force that date."""
    usable = [row for row in schedules if row[1] in ("", market)]
    return sorted(
        usable, key=lambda row: (0 if row[1] else 1, -(row[2] or date.min).toordinal(), row[0])
    )


def team_calendar(*, team_id: int, market: str, on: date) -> Calendar | None:
    """The team's calendar for a ticket of `market` on date `on` (`schedules_ordered`).
    None: the team has no schedule in force (the ticket keeps its own calendar)."""
    rows = TeamCalendar.objects.filter(team_id=team_id).select_related("calendar")
    ordered = schedules_ordered(
        ((row.pk, row.market, row.valid_from, row.valid_until, row.calendar) for row in rows),
        market,
    )
    for _pk, _market, start, end, calendar in ordered:
        if (start is None or start <= on) and (end is None or on <= end):
            return calendar
    return None


def scheduled_calendar(
    schedules: Iterable[Schedule], market: str, fallback: BusinessCalendar | None = None
) -> ScheduledCalendar | None:
    """A team's schedules for `market` as one calendar (`business_time.ScheduledCalendar`:
    each date counts in the schedule in force that date, else in `fallback`); the
    schedules' calendars are BusinessCalendars. None: the team has no schedule for it."""
    ordered = schedules_ordered(schedules, market)
    if not ordered:
        return None
    return ScheduledCalendar(
        tz=ordered[0][4].tz,
        schedules=tuple((start, end, calendar) for _pk, _m, start, end, calendar in ordered),
        fallback=fallback,
    )


def team_schedules_load(team_ids: Iterable[int]) -> dict[int, list[Schedule]]:
    """Each team's schedules with their calendars built (one query)."""
    found: dict[int, list[Schedule]] = {}
    rows = TeamCalendar.objects.filter(team_id__in=list(team_ids)).values_list(
        "pk", "team_id", "market", "valid_from", "valid_until",
        "calendar__tz", "calendar__hours", "calendar__holidays",
    )  # fmt: skip
    for pk, team_id, market, start, end, tz, hours, holidays in rows:
        calendar = calendar_from_json(tz, json.dumps(hours, sort_keys=True), json.dumps(holidays))
        found.setdefault(team_id, []).append((pk, market, start, end, calendar))
    return found


def _date(value: object, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(f"{field}: {value!r} is not a YYYY-MM-DD date", field=field) from exc
