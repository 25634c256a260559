"""Several schedules per team (docs/calendars.md, "Team schedules"): a team lists calendars,
each for a market or any, between optional dates; `team_calendar` picks the one in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import Team
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
    return list(TeamCalendar.objects.filter(team=team).select_related("calendar"))


def team_calendar(*, team_id: int, market: str, on: date) -> Calendar | None:
    """The team's calendar for a ticket of `market` on date `on`: among the schedules valid
    that day, one for that market beats one for any market; then the latest `valid_from`
    (a dated exception beats the open-ended default); then the first listed. None: the team
    has no schedule in force (the ticket keeps its own calendar)."""
    best: tuple[tuple[int, date], TeamCalendar] | None = None
    for row in TeamCalendar.objects.filter(team_id=team_id).select_related("calendar"):
        if row.market not in ("", market):
            continue
        if (row.valid_from and on < row.valid_from) or (row.valid_until and on > row.valid_until):
            continue
        rank = (1 if row.market else 0, row.valid_from or date.min)
        if best is None or rank > best[0]:
            best = (rank, row)
    return best[1].calendar if best else None


def _date(value: object, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError(f"{field}: {value!r} is not a YYYY-MM-DD date", field=field) from exc
