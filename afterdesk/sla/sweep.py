"""The sweep: write the warnings and breaches that are due, once each, and escalate the
breaches (docs/sla.md, "State and the sweep")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from afterdesk.core.timeutil import format_instant
from afterdesk.sla.clock import due_now, pending_events
from afterdesk.sla.escalation import breach_notices_create
from afterdesk.sla.models import TicketSla
from afterdesk.sla.state import (
    policies_load,
    states_store,
    ticket_compute,
    tickets_attrs,
    written_events,
)
from afterdesk.tickets.log_reader import ticket_history_load
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.services import sla_event_write, ticket_change

# At most this many tickets per sweep: the periodic task runs every minute, and a backlog
# (the first sweep after an import) is worked through over the next runs.
SWEEP_LIMIT = 5000


@dataclass(frozen=True)
class SweepLine:
    """One event the sweep wrote."""

    ticket: str  # external id
    kind: str
    target: str
    due: datetime
    at: datetime
    policy: str

    def __str__(self) -> str:
        return (
            f"{self.kind} {self.ticket} {self.target} due {format_instant(self.due)}"
            f" (policy {self.policy!r})"
        )


def sla_sweep(*, now: datetime, limit: int = SWEEP_LIMIT) -> list[SweepLine]:
    """One sweep at `now`: the tickets whose next SLA instant has come, found through the
    `next_at` index, each handled in a transaction of its own (a sweep killed mid-way keeps
    what it finished; the rerun writes the rest, each event once)."""
    ticket_ids = list(
        TicketSla.objects.filter(next_at__lte=now)
        .order_by("next_at", "ticket_id")
        .values_list("ticket_id", flat=True)[:limit]
    )
    lines: list[SweepLine] = []
    cache: dict[str, Any] = {}
    for ticket_id in ticket_ids:
        lines += ticket_sweep(ticket_id=ticket_id, now=now, cache=cache)
    return lines


@transaction.atomic
def ticket_sweep(*, ticket_id: int, now: datetime, cache: dict[str, Any]) -> list[SweepLine]:
    """Write what is due on one ticket at `now`, deciding under its row lock from its log as
    committed (a concurrent sweep that got here first has written its events, and they are
    seen); then its state is stored anew."""
    ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
    if ticket is None:
        return []
    heads, events = ticket_history_load(ticket_ids=[ticket_id])
    log = events.get(ticket_id, [])
    if "sla_policies" not in cache:
        cache["sla_policies"] = policies_load()
    attrs = tickets_attrs([ticket_id])[ticket_id]
    computed = ticket_compute(
        ticket=attrs,
        created_at=ticket.created_at,
        events=log,
        policies=cache["sla_policies"],
        calendars=cache.setdefault("sla_calendars", {}),
    )
    due = due_now(pending_events(computed.clocks, written_events(log)), now)
    policy_name = computed.policy.name if computed.policy else ""
    lines: list[SweepLine] = []
    written: list[TicketEvent] = []
    if due:
        with ticket_change(ticket):
            for item in due:
                event = sla_event_write(
                    ticket=ticket,
                    kind=item.kind,
                    target=item.timer.target,
                    due=item.due,
                    policy=policy_name,
                    at=item.at,
                )
                if event is None:
                    continue
                written.append(event)
                lines.append(
                    SweepLine(
                        ticket=ticket.external_id,
                        kind=item.kind,
                        target=item.timer.target,
                        due=item.due,
                        at=item.at,
                        policy=policy_name,
                    )
                )
        # The change's end told the consumers (this app's state among them).
    if not written:
        states_store(tickets=heads, events=events, cache=cache)
    breach_notices_create(ticket=ticket, events=[e for e in written if e.kind == "sla_breach"])
    return lines
