"""The sweep: write the warnings and breaches that are due, once each, and escalate the
breaches (docs/sla.md, "State and the sweep")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from afterdesk.core.timeutil import format_instant, parse_instant
from afterdesk.sla.clock import due_now, pending_events
from afterdesk.sla.escalation import breach_notices_create
from afterdesk.sla.models import TicketSla
from afterdesk.sla.state import (
    Computed,
    policies_load,
    states_store,
    ticket_compute,
    tickets_attrs,
    written_events,
)
from afterdesk.tickets.log_reader import TicketLog
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.services import SlaEventIn, sla_events_write

# At most this many tickets per sweep: the periodic task runs every minute, and a backlog
# (the first sweep after an import) is worked through over the next runs.
SWEEP_LIMIT = 5000
# Tickets per transaction: their locks, logs and events are read and written together.
BATCH = 500


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


def sla_sweep(
    *, now: datetime, limit: int = SWEEP_LIMIT, batch: int | None = None
) -> list[SweepLine]:
    """One sweep at `now`: the tickets whose next SLA instant has come, found through the
    `next_at` index, handled `batch` tickets per transaction (a sweep killed mid-way keeps the
    batches it finished; the rerun writes the rest, each event once)."""
    ticket_ids = list(
        TicketSla.objects.filter(next_at__lte=now)
        .order_by("next_at", "ticket_id")
        .values_list("ticket_id", flat=True)[:limit]
    )
    batch = batch or BATCH  # read now: the worker tests make batches of one
    lines: list[SweepLine] = []
    cache: dict[str, Any] = {}
    for start in range(0, len(ticket_ids), batch):
        lines += tickets_sweep(ticket_ids=ticket_ids[start : start + batch], now=now, cache=cache)
    return lines


@transaction.atomic
def tickets_sweep(
    *, ticket_ids: Sequence[int], now: datetime, cache: dict[str, Any]
) -> list[SweepLine]:
    """Write what is due on these tickets at `now`, decided under their row locks from their
    logs as committed (a concurrent sweep that got there first has written its events, and
    they are seen: `tickets.services.sla_events_write`); then store their states anew."""
    if "sla_policies" not in cache:
        cache["sla_policies"] = policies_load()
    computed: dict[int, Computed] = {}
    logs_read: dict[int, TicketLog] = {}

    def decide(logs: dict[int, TicketLog]) -> list[SlaEventIn]:
        logs_read.update(logs)
        attrs = tickets_attrs(list(logs))
        wanted: list[SlaEventIn] = []
        for ticket_id, log in logs.items():
            result = ticket_compute(
                ticket=attrs[ticket_id],
                created_at=log.created_at,
                events=log.events,
                policies=cache["sla_policies"],
                calendars=cache.setdefault("sla_calendars", {}),
            )
            computed[ticket_id] = result
            policy = result.policy.name if result.policy else ""
            for item in due_now(pending_events(result.clocks, written_events(log.events)), now):
                wanted.append(
                    SlaEventIn(ticket_id, item.kind, item.timer.target, item.due, item.at, policy)
                )
        return wanted

    written = sla_events_write(ticket_ids=ticket_ids, decide=decide)
    # The tickets that got events had their state stored by the change's consumer; the
    # others (a stale `next_at`) are stored here.
    touched = {event.ticket_id for event in written}
    untouched = [pk for pk in logs_read if pk not in touched]
    if untouched:
        states_store(
            tickets=[(pk, logs_read[pk].created_at, logs_read[pk].calendar_id) for pk in untouched],
            events={pk: logs_read[pk].events for pk in untouched},
            cache=cache,
        )
    external = dict(Ticket.objects.filter(pk__in=touched).values_list("pk", "external_id"))
    breach_notices_create(events=[e for e in written if e.kind == "sla_breach"], cache=cache)
    return [
        SweepLine(
            ticket=external[event.ticket_id],
            kind=event.kind,
            target=event.subtype,
            due=parse_instant(event.fields["due"]),
            at=event.at,
            policy=event.fields.get("policy", ""),
        )
        for event in written
    ]
