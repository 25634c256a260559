"""The metrics app's consumers of desk changes (registered in `metrics.apps`): per-ticket
facts and reply waits recomputed in the same transaction as the change."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from afterdesk.calendars.models import Calendar
from afterdesk.metrics.services import facts_refresh, facts_store
from afterdesk.metrics.stored import changes_record_all
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


def user_deleted(**_kwargs: Any) -> None:
    """A deleted user's events and facts keep no agent (SET_NULL), at any date: no stored KPI
    figure is current any more (`metrics.stored`)."""
    changes_record_all()
