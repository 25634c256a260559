"""The SLA app's consumers of desk changes (registered in `sla.apps`): each changed ticket's
clock state recomputed in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q

from afterdesk.accounts.models import Team
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer
from afterdesk.sla.models import Hours
from afterdesk.sla.state import states_rebuild, states_store
from afterdesk.tickets.log_reader import EventRow, TicketHead
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket


def ticket_sla_store(
    *,
    tickets: Sequence[TicketHead],
    events: Mapping[int, Sequence[EventRow]],
    cache: dict[str, Any],
    appended: Mapping[int, Sequence[int]] | None = None,
) -> None:
    states_store(tickets=tickets, events=events, cache=cache)


def calendar_sla_refresh(*, calendar: Calendar) -> None:
    """New hours or holidays move the deadlines of the tickets counted in this calendar:
    their own, their policy's, or one of their team's schedules under a team-hours policy."""
    ids = (
        Ticket.objects.filter(
            Q(calendar=calendar)
            | Q(sla__policy__calendar=calendar)
            | Q(sla__policy__hours=Hours.TEAM, team__calendars__calendar=calendar)
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    states_rebuild(ticket_ids=list(ids))


def team_sla_refresh(*, team: Team) -> None:
    """New schedules of a team move the deadlines of its tickets under team-hours policies."""
    ids = Ticket.objects.filter(team=team, sla__policy__hours=Hours.TEAM).values_list(
        "pk", flat=True
    )
    states_rebuild(ticket_ids=list(ids))


def customer_sla_refresh(*, customer: Customer) -> None:
    """New tags of a buyer may change which policy their tickets fall under (customer_tags):
    their open tickets are recomputed (a solved one keeps its clocks: they have stopped)."""
    ids = (
        Ticket.objects.filter(customer=customer)
        .exclude(status__in=SOLVED_STATUSES)
        .values_list("pk", flat=True)
    )
    states_rebuild(ticket_ids=list(ids))
