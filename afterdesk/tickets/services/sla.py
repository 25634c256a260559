"""The ticket writes of the SLA clocks (docs/sla.md): an agent's "no response needed", and the
`sla_warning`/`sla_breach` events the sweep writes, each once per ticket, target and deadline.
The clocks themselves live in `afterdesk.sla`, above the desk; they write through here."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.core.timeutil import format_instant
from afterdesk.tickets.consumers import tickets_changed
from afterdesk.tickets.events import (
    SLA_EVENT_TYPES,
    SLA_TARGETS,
    canonical_fields,
    event_columns,
    event_fingerprint,
    sla_deadline,
)
from afterdesk.tickets.log_reader import TicketLog, event_row, ticket_logs_load
from afterdesk.tickets.models import Status, Ticket, TicketEvent
from afterdesk.tickets.services.changes import rows_insert, ticket_change


@transaction.atomic
def ticket_no_reply(*, ticket: Ticket, by: User, at: datetime | None = None) -> TicketEvent:
    """ "No response needed": the buyer's messages so far need no answer, and the running
    reply clock (first or next reply) stops without one. A closed ticket takes no more."""
    with ticket_change(ticket) as change:
        if change.ticket.status == Status.CLOSED:
            raise Conflict("the ticket is closed")
        return change.record(kind="no_reply", fields={"agent": by.username}, agent=by, at=at)


@dataclass(frozen=True)
class SlaEventIn:
    """An SLA event to write: `kind` sla_warning or sla_breach, for `target` and its deadline
    `due`, dated `at`."""

    ticket_id: int
    kind: str
    target: str
    due: datetime
    at: datetime
    policy: str = ""


# What the caller decides from the tickets' logs read under their locks.
Decide = Callable[[dict[int, TicketLog]], Sequence[SlaEventIn]]


@transaction.atomic
def sla_events_write(*, ticket_ids: Sequence[int], decide: Decide) -> list[TicketEvent]:
    """Write the SLA events `decide` asks for, from these tickets' logs, each at most once
    per ticket, kind, target and deadline (as an instant); returns the events written.

    The tickets are locked first, in id order, by a statement of their own; their logs and
    their stored SLA events are read after the locks are held, so they include everything
    committed by whoever held them before (PostgreSQL reads a blocked statement's joined rows
    from the snapshot it started with). So two sweeps at once, or a sweep rerun after a
    crash, write each event once. The events are written in one INSERT, the tickets'
    `updated_at` kept at their newest event, and `tickets_changed` told once for the tickets
    that got events (SLA events change no other state: docs/history.md)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return []
    list(Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    logs = ticket_logs_load(ticket_ids=ids, lock=False)
    wanted = list(decide(logs))
    stored: set[tuple[int, str, str, datetime]] = set()
    sla_rows = TicketEvent.objects.filter(ticket_id__in=ids, kind__in=SLA_EVENT_TYPES)
    for ticket_id, kind, known in sla_rows.values_list("ticket_id", "kind", "fields"):
        if known.get("due") is not None:
            target, due = sla_deadline(known)
            if due is not None:
                stored.add((ticket_id, kind, target, due))
    events: list[TicketEvent] = []
    for item in wanted:
        if item.kind not in SLA_EVENT_TYPES:
            raise ValidationError(f"not an SLA event type: {item.kind!r}", field="kind")
        if item.target not in SLA_TARGETS:
            raise ValidationError(f"unknown SLA target {item.target!r}", field="target")
        key = (item.ticket_id, item.kind, item.target, item.due)
        if key in stored or item.ticket_id not in logs:
            continue
        stored.add(key)
        fields: dict[str, Any] = {"target": item.target, "due": format_instant(item.due)}
        if item.policy:
            fields["policy"] = item.policy
        fields = canonical_fields(item.kind, fields)
        subtype, score = event_columns(item.kind, fields)
        events.append(
            TicketEvent(
                ticket_id=item.ticket_id,
                kind=item.kind,
                at=item.at,
                subtype=subtype,
                score=score,
                fields=fields,
                fingerprint=event_fingerprint(item.kind, item.at, fields),
            )
        )
    if not events:
        return []
    rows_insert(events)
    _announce(logs, events)
    return events


def _announce(logs: dict[int, TicketLog], events: Sequence[TicketEvent]) -> None:
    by_ticket: dict[int, list[TicketEvent]] = {}
    for event in events:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    newer: list[tuple[int, datetime]] = []
    appended: dict[int, list[int]] = {}
    heads = []
    logs_now = {}
    for ticket_id, written in by_ticket.items():
        log = logs[ticket_id]
        newest_stored = log.events[-1].at if log.events else None
        rows = [
            event_row(
                kind=e.kind,
                at=e.at.astimezone(UTC),
                agent_id=None,
                subtype=e.subtype,
                score=e.score,
                fields=e.fields,
                id=e.pk,
            )
            for e in written
        ]
        logs_now[ticket_id] = sorted([*log.events, *rows], key=lambda r: (r.at, r.id or 0))
        if newest_stored is None or all(e.at >= newest_stored for e in written):
            appended[ticket_id] = [e.pk for e in written]
        latest = max(e.at for e in written)
        if latest > log.updated_at:
            newer.append((ticket_id, latest))
        heads.append((ticket_id, log.created_at, log.calendar_id))
    if newer:
        _updated_at_raise(newer)
    tickets_changed.notify(tickets=heads, events=logs_now, cache={}, appended=appended)


def _updated_at_raise(newer: Sequence[tuple[int, datetime]]) -> None:
    """Each ticket's `updated_at` raised to its newest event (never lowered): one UPDATE of
    two arrays on PostgreSQL, one per ticket elsewhere."""
    quote = connection.ops.quote_name
    table, column, pk = quote(Ticket._meta.db_table), quote("updated_at"), quote("id")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET {column} = v.at "  # noqa: S608 - quoted identifiers only
                "FROM unnest(%s::integer[], %s::timestamptz[]) AS v(id, at) "
                f"WHERE {table}.{pk} = v.id AND {table}.{column} < v.at",
                [[t for t, _ in newer], [at for _, at in newer]],
            )
            return
        rows = []
        for ticket_id, at in newer:
            value = connection.ops.adapt_datetimefield_value(at)
            rows.append((value, ticket_id, value))
        cursor.executemany(
            f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} < %s",  # noqa: S608
            rows,
        )


def sla_event_write(
    *,
    ticket: Ticket,
    kind: str,
    target: str,
    due: datetime,
    policy: str = "",
    at: datetime | None = None,
) -> TicketEvent | None:
    """One `sla_warning` or `sla_breach` (`sla_events_write` for one ticket and one event);
    None when the ticket has that kind of event for that target and deadline already."""
    item = SlaEventIn(ticket.pk, kind, target, due, at or timezone.now(), policy)
    written = sla_events_write(ticket_ids=[ticket.pk], decide=lambda logs: [item])
    return written[0] if written else None
