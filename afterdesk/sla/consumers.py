"""The SLA app's consumers of desk changes (registered in `sla.apps`): each changed ticket's
clock state recomputed in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q

from afterdesk.calendars.models import Calendar
from afterdesk.sla.state import states_rebuild, states_store
from afterdesk.tickets.log_reader import EventRow, TicketHead
from afterdesk.tickets.models import Ticket


def ticket_sla_store(
    *,
    tickets: Sequence[TicketHead],
    events: Mapping[int, Sequence[EventRow]],
    cache: dict[str, Any],
    appended: Mapping[int, Sequence[int]] | None = None,
) -> None:
    states_store(tickets=tickets, events=events, cache=cache)


def calendar_sla_refresh(*, calendar: Calendar) -> None:
    """New hours or holidays move the deadlines of the tickets counted in this calendar."""
    ids = Ticket.objects.filter(
        Q(calendar=calendar) | Q(sla__policy__calendar=calendar)
    ).values_list("pk", flat=True)
    states_rebuild(ticket_ids=list(ids))
