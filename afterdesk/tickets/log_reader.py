"""Reading the event log fast, for whoever recomputes what derives from it (the ticket's
state here; the metric facts in `metrics`): each ticket's events in event order `(at, id)`,
read with one plain SQL query per chunk of tickets."""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection

from afterdesk.tickets.models import Ticket, TicketEvent

# (pk, created_at, calendar id) of a ticket
TicketHead = tuple[int, datetime, int | None]


@dataclass(frozen=True)
class EventRow:
    """The parts of a TicketEvent that derived state needs, in event order (at, id)."""

    kind: str
    at: datetime
    agent_id: int | None
    subtype: str
    score: float | None
    fields: dict[str, Any]
    id: int | None = None  # the TicketEvent's id (None only in pure-function tests)


def ticket_ids_condition(ticket_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`ticket_id IN ticket_ids` as SQL and its parameters (one array on PostgreSQL)."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return f"{quote('ticket_id')} = ANY(%s)", [list(ticket_ids)]
    return f"{quote('ticket_id')} IN ({', '.join(['%s'] * len(ticket_ids))})", list(ticket_ids)


def ticket_history_load(
    *, ticket_ids: Sequence[int]
) -> tuple[list[TicketHead], dict[int, list[EventRow]]]:
    """The tickets (pk, created_at, calendar id) and each one's events in event order.

    Read with one plain query: only assignments need their JSON fields (agent, team); a
    status event's new status and a message's kind are its `subtype`. Skipping the ORM's
    per-value converters and the JSON of every other event is most of the cost of `metrics
    rebuild`.
    """
    tickets: list[TicketHead] = list(
        Ticket.objects.filter(pk__in=ticket_ids)
        .order_by()
        .values_list("pk", "created_at", "calendar_id")
    )
    events: dict[int, list[EventRow]] = defaultdict(list)
    if not ticket_ids:
        return tickets, events
    quote = connection.ops.quote_name
    where, params = ticket_ids_condition(ticket_ids)
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"SELECT {quote('ticket_id')}, {quote('id')}, {quote('kind')}, {quote('at')}, "  # noqa: S608
        f"{quote('agent_id')}, {quote('subtype')}, {quote('score')}, "
        f"CASE WHEN {quote('kind')} = 'assign' THEN {quote('fields')} END "
        f"FROM {quote(TicketEvent._meta.db_table)} WHERE {where} "
        f"ORDER BY {quote('ticket_id')}, {quote('at')}, {quote('id')}"
    )
    instant = instant_reader()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for ticket_id, pk, kind, at, agent_id, subtype, score, raw in cursor.fetchall():
            if kind == "assign":
                fields = json.loads(raw) if isinstance(raw, str | bytes) else raw
            elif kind == "status":
                fields = {"status": subtype}
            elif kind == "message":
                fields = {"kind": subtype}
            else:
                fields = {}
            events[ticket_id].append(
                EventRow(kind, instant(at), agent_id, subtype, score, fields, pk)
            )
    return tickets, events


def event_row(
    *,
    kind: str,
    at: datetime,
    agent_id: int | None,
    subtype: str,
    score: float | None,
    fields: dict[str, Any],
    id: int | None,  # the TicketEvent's id, as EventRow names it
) -> EventRow:
    """The EventRow `ticket_history_load` reads for a stored event, from its columns: only
    an assignment keeps its fields; a status event's new status and a message's kind are its
    `subtype`."""
    if kind == "assign":
        row_fields = fields
    elif kind == "status":
        row_fields = {"status": subtype}
    elif kind == "message":
        row_fields = {"kind": subtype}
    else:
        row_fields = {}
    return EventRow(kind, at, agent_id, subtype, score, row_fields, id)


@dataclass(frozen=True)
class TicketLog:
    """A ticket's state columns and its event log, read together by `ticket_log_load`."""

    status: str
    assignee_id: int | None
    team_id: int | None
    updated_at: datetime
    created_at: datetime
    calendar_id: int | None
    events: list[EventRow]  # in event order (at, id)
    fingerprints: dict[str, int]  # fingerprint -> event id


def ticket_logs_load(*, ticket_ids: Sequence[int], lock: bool) -> dict[int, TicketLog]:
    """`ticket_log_load` of many tickets in one query (those that exist), locked in id order
    (two writers locking overlapping sets wait for each other instead of deadlocking)."""
    if not ticket_ids:
        return {}
    where, params = ticket_ids_condition(sorted(set(ticket_ids)))
    quote = connection.ops.quote_name
    where = where.replace(quote("ticket_id"), f"t.{quote('id')}", 1)
    sql = _ticket_log_sql(connection.vendor, False, many=True).replace("%where%", where)
    if lock and connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF t"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_ticket: dict[int, list[Any]] = defaultdict(list)
    for ticket_id, *row in rows:
        by_ticket[ticket_id].append(row)
    return {ticket_id: _ticket_log(rows) for ticket_id, rows in by_ticket.items()}


def ticket_log_load(*, ticket_id: int, lock: bool) -> TicketLog | None:
    """One ticket's state and its whole event log (with the events' fingerprints) in one
    query, for a change to it (`tickets.services.changes`); with `lock`, under a row lock on
    the ticket (PostgreSQL `FOR UPDATE OF`; SQLite serialises writers by its IMMEDIATE
    transactions). None if there is no such ticket."""
    sql = _ticket_log_sql(connection.vendor, lock and connection.features.has_select_for_update_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, [ticket_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    return _ticket_log(rows)


def _ticket_log(rows: Sequence[Sequence[Any]]) -> TicketLog:
    """A TicketLog from the rows of `_ticket_log_sql` for one ticket."""
    instant = instant_reader()
    status, assignee_id, team_id, updated_at, created_at, calendar_id = rows[0][:6]
    events: list[EventRow] = []
    fingerprints: dict[str, int] = {}
    for *_ticket, pk, kind, at, agent_id, subtype, score, raw, fingerprint in rows:
        if pk is None:  # a ticket without events: one row, its event columns null
            continue
        fields = (json.loads(raw) if isinstance(raw, str | bytes) else raw) or {}
        events.append(
            event_row(
                kind=kind,
                at=instant(at),
                agent_id=agent_id,
                subtype=subtype,
                score=score,
                fields=fields,
                id=pk,
            )
        )
        fingerprints[fingerprint] = pk
    return TicketLog(
        status=status,
        assignee_id=assignee_id,
        team_id=team_id,
        updated_at=instant(updated_at),
        created_at=instant(created_at),
        calendar_id=calendar_id,
        events=events,
        fingerprints=fingerprints,
    )


@functools.cache
def _ticket_log_sql(vendor: str, lock: bool, *, many: bool = False) -> str:
    """The text of `ticket_log_load`'s query, built once per database kind; `many`: with the
    ticket's id first and `%where%` for the condition on `t.id`, in ticket order."""
    quote = connection.ops.quote_name
    columns = ("status", "assignee_id", "team_id", "updated_at", "created_at", "calendar_id")
    event_columns = ("id", "kind", "at", "agent_id", "subtype", "score")
    selected = [f"t.{quote(c)}" for c in columns] + [f"e.{quote(c)}" for c in event_columns]
    ticket_table, event_table = quote(Ticket._meta.db_table), quote(TicketEvent._meta.db_table)
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"SELECT {', '.join(selected)}, "  # noqa: S608
        f"CASE WHEN e.{quote('kind')} = 'assign' THEN e.{quote('fields')} END, "
        f"e.{quote('fingerprint')} FROM {ticket_table} t LEFT JOIN {event_table} e "
        f"ON e.{quote('ticket_id')} = t.{quote('id')} "
        f"WHERE t.{quote('id')} = %s ORDER BY e.{quote('at')}, e.{quote('id')}"
    )
    if many:
        sql = f"SELECT t.{quote('id')}, " + sql.removeprefix("SELECT ")
        sql = sql.replace(f"t.{quote('id')} = %s ORDER BY ", f"%where% ORDER BY t.{quote('id')}, ")
    return sql + " FOR UPDATE OF t" if lock else sql


def instant_reader() -> Callable[[Any], datetime]:
    """Raw `at` values as aware datetimes: PostgreSQL gives them; SQLite gives naive UTC
    datetimes (Django's column converter) or, without it, UTC text."""
    if connection.vendor != "sqlite":
        return lambda value: value

    def read(value: Any) -> datetime:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    return read
