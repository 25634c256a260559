"""The metrics app's consumers of desk changes (registered in `metrics.apps`): per-ticket
facts and reply waits recomputed in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from afterdesk.calendars.models import Calendar
from afterdesk.metrics.services import facts_refresh, facts_store
from afterdesk.tickets.log_reader import EventRow, TicketHead


def ticket_facts_store(
    *,
    tickets: Sequence[TicketHead],
    events: Mapping[int, Sequence[EventRow]],
    cache: dict[str, Any],
    appended: Mapping[int, Sequence[int]] | None = None,
) -> None:
    facts_store(
        tickets=tickets,
        events=events,
        calendars=cache.setdefault("calendars", {}),
        appended=appended,
    )


def calendar_facts_refresh(*, calendar: Calendar) -> None:
    facts_refresh(ticket_ids=calendar.tickets.values_list("pk", flat=True))
