"""One change to one ticket: the events an action appends, written together, applied to the
ticket's state and announced to the log's consumers once (docs/architecture.md, "The event
log").

Every action of `tickets.services` does its writes inside one `ticket_change` block:

    with ticket_change(ticket) as change:
        change.record(kind="message", fields=..., body=...)
        change.record(kind="status", fields=...)

- On entry the ticket's state columns and its whole log (with the events' fingerprints) are
  read in one query (`log_reader.ticket_log_load`); with `lock` (the default) under a row
  lock and into a copy of the ticket object (`change.ticket`, what the action returns with
  its events; the caller's object stays as it was), without it into the caller's object. A
  ticket created in the same transaction (`new=True`) is not read at all: its log is empty.
- `record` checks an event against the stored log and the block's own events (an event equal
  to a stored one is that event, docs/history.md), keeps it, and applies it to the ticket
  object (status, assignee, team, `updated_at`).
- At the end of the block, the new events and their messages are inserted in bulk, the
  ticket's changed columns saved with one UPDATE, and `tickets_changed` told once, with the
  log as it now is: the consumers (the metric facts) compute what derives from it once per
  action, without reading the log again.

An event dated before the newest stored one (a late import) replays the ticket's state from
the whole log, as `ticket_refresh_state` does, and the consumers then recompute that ticket
as a whole.

The rule for `event_record` (tests, other apps): inside a `ticket_change` block of the same
ticket it records into that block's change (announced at the block's end); outside one it is
a change of its own, announced at once. Blocks for the same ticket nest the same way: the
inner block joins the outer one; an exception out of a joined block leaves the outer change
unwritable (it raises at its end rather than write half an action). Read the ticket through
`change.ticket` inside a block.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import team_get_or_create
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.tickets.consumers import tickets_changed
from afterdesk.tickets.events import (
    SLA_EVENT_TYPES,
    SLA_TARGETS,
    canonical_fields,
    event_columns,
    event_fingerprint,
    sla_deadline,
)
from afterdesk.tickets.log_reader import EventRow, TicketLog, event_row, ticket_log_load
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from afterdesk.tickets.services.log import sanitize_html, tickets_replay_state

# The open change of each ticket (by pk) in this thread or task: `ticket_change` blocks and
# `event_record` calls for a ticket whose change is open join it.
_open_changes: ContextVar[dict[int, TicketChange] | None] = ContextVar(
    "ticket_changes", default=None
)


class TicketChange:
    """The events one action appends to one ticket (see the module's docstring)."""

    def __init__(
        self, ticket: Ticket, *, new: bool, lock: bool, log: TicketLog | None = None
    ) -> None:
        """`log`: the ticket's log as `ticket_log_load` read it (with `lock`) already, for
        many tickets at once (`tickets.services.batch`); read here otherwise."""
        self.new = new
        self.events: list[EventRow] = []  # the stored log, in event order
        self.fingerprints: dict[str, int] = {}  # of the stored events
        if not new:
            if log is None:
                log = ticket_log_load(ticket_id=ticket.pk, lock=lock)
            if log is None:
                raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
            if lock:
                # The ticket as read under the lock is a copy of the caller's (whose related
                # objects it shares); the caller's object stays as it was.
                ticket = copy.copy(ticket)
                ticket.__dict__.pop("_prefetched_objects_cache", None)
            # The ticket as it is now: what the action decides on.
            ticket.status = log.status
            ticket.assignee_id = log.assignee_id
            ticket.team_id = log.team_id
            ticket.updated_at = log.updated_at
            ticket.calendar_id = log.calendar_id
            self.events = log.events
            self.fingerprints = log.fingerprints
        self.ticket = ticket
        self.newest: datetime | None = self.events[-1].at if self.events else None
        self.pending: list[TicketEvent] = []  # recorded, not yet inserted
        self.messages: list[Message] = []  # the pending message events' rows
        self.written: list[TicketEvent] = []  # inserted by this change
        self.dirty: set[str] = set()  # ticket fields to save
        self.appended_only = True  # every new event came after every stored one
        self.broken = False  # a joined block failed (see `ticket_change`)

    # ------------------------------------------------------------------ recording

    def record(
        self,
        *,
        kind: str,
        fields: dict[str, Any],
        at: datetime | None = None,
        agent: User | None = None,
        body: str | None = None,
        body_html: str = "",
        external_message_id: str = "",
        team: Team | None = None,
    ) -> TicketEvent:
        """Keep one event (and its Message for `message` events) and apply it to the ticket.
        An event equal to a stored one, or to one recorded before in this change, is that
        event (docs/history.md). `team`: the Team an assignment's `team` field names, when
        the caller has it (saves looking it up)."""
        at = at or timezone.now()
        line_fields = dict(fields)
        if body is not None:
            line_fields["body"] = body
        fingerprint = event_fingerprint(kind, at, line_fields)
        for event in self.pending:
            if event.fingerprint == fingerprint:
                return event
        stored = self.fingerprints.get(fingerprint)
        if stored is not None:
            return TicketEvent.objects.get(pk=stored)
        stored_fields = canonical_fields(kind, fields)
        if kind in SLA_EVENT_TYPES:
            self._sla_event_check(kind=kind, fields=stored_fields)
        if kind == "message":
            # A message's body lives in its Message row; a complaint's body is one of its fields.
            stored_fields.pop("body", None)
        subtype, score = event_columns(kind, stored_fields)
        event = TicketEvent(
            ticket=self.ticket,
            kind=kind,
            at=at,
            agent=agent,
            subtype=subtype,
            score=score,
            fields=stored_fields,
            fingerprint=fingerprint,
        )
        self.pending.append(event)
        if kind == "message":
            self.messages.append(
                Message(
                    ticket=self.ticket,
                    event=event,
                    kind=stored_fields["kind"],
                    author=agent,
                    body_text=body or "",
                    body_html=sanitize_html(body_html),
                    external_message_id=external_message_id,
                    created_at=at,
                )
            )
        if self.newest is not None and at < self.newest:
            self._replay()
        else:
            self.newest = at
            self._apply(event, agent=agent, team=team)
        return event

    def _apply(self, event: TicketEvent, *, agent: User | None, team: Team | None) -> None:
        """An event dated at or after every other one: its effect on the ticket's state."""
        ticket = self.ticket
        ticket.updated_at = max(ticket.updated_at, event.at)
        self.dirty.add("updated_at")
        if event.kind == "message":
            if event.fields.get("kind") == "inbound":
                # Dated at or after every stored event (else `_replay`): the newest inbound.
                ticket.buyer_message_at = event.at
                self.dirty.add("buyer_message_at")
        elif event.kind == "status":
            ticket.status = event.fields["status"]
            self.dirty.add("status")
        elif event.kind == "assign":
            ticket.assignee = agent
            self.dirty.add("assignee")
            name = event.fields.get("team")
            if name:
                known = team is not None and team.name == name
                ticket.team = team if known else team_get_or_create(name=name)
                self.dirty.add("team")

    def _replay(self) -> None:
        """A late event (dated before the newest one): write what the change holds and replay
        the ticket's state from its whole log."""
        self.appended_only = False
        self.flush()
        tickets_replay_state(
            tickets=[(self.ticket.pk, self.ticket.created_at, self.ticket.calendar_id)],
            events={self.ticket.pk: self.events},
        )
        self.ticket.refresh_from_db()
        self.newest = self.events[-1].at

    def _sla_event_check(self, *, kind: str, fields: dict[str, Any]) -> None:
        """An SLA event's fields as the history format allows them, and at most one
        `sla_breach` per ticket, target and deadline (`due` as an instant; docs/history.md)."""
        if fields.get("target") not in SLA_TARGETS:
            raise ValidationError(
                f"{kind} needs a target: {', '.join(SLA_TARGETS)}", field="target"
            )
        if not isinstance(fields.get("policy", ""), str):
            raise ValidationError("policy must be a string", field="policy")
        try:
            deadline = sla_deadline(fields)
        except ValueError as exc:
            raise ValidationError(f"due: {exc}", field="due") from exc
        if kind != "sla_breach":
            return
        stored = list(
            TicketEvent.objects.filter(
                ticket=self.ticket, kind="sla_breach", subtype=deadline[0]
            ).values_list("fields", flat=True)
        )
        stored += [event.fields for event in self.pending if event.kind == "sla_breach"]
        if any(sla_deadline(other) == deadline for other in stored):
            raise Conflict(
                f"ticket {self.ticket.external_id!r} already has an sla_breach for "
                f"{deadline[0]} and this deadline; at most one sla_breach per ticket, target "
                "and deadline"
            )

    # ------------------------------------------------------------------ writing

    def save_ticket(self, *fields: str) -> None:
        """Save these ticket fields with the change's UPDATE at its end."""
        self.dirty.update(fields)

    def flush(self) -> None:
        """Insert the recorded events and their messages (one bulk insert each) and save the
        ticket's changed fields (one UPDATE)."""
        if self.pending:
            rows_insert(self.pending)
            rows_insert(self.messages)
            self.inserted()
        if self.dirty:
            row_update(self.ticket, sorted(self.dirty))
            self.dirty.clear()

    def inserted(self) -> None:
        """Its recorded events and messages were inserted (by `flush`, or by a batch with
        other changes' rows): they are the log's now."""
        if self.pending:
            for message in self.messages:
                remember_related(message, "attachments", [])  # a new message has none
            for event in self.pending:
                self.events.append(_row(event))
                self.fingerprints[event.fingerprint] = event.pk
            self.events.sort(key=lambda row: (row.at, row.id or 0))
            self.written += self.pending
            self.pending, self.messages = [], []

    def finish(self) -> None:
        """Write what is left and tell the log's consumers, once, with the log as it is."""
        if self.broken:
            raise TransactionManagementError(
                "a ticket_change block that joined this one failed; this change cannot be written"
            )
        self.flush()
        if not self.written:
            return
        changes_announce([self])

    def settle(self) -> None:
        """After the change is written and announced: what the ticket object caches."""
        ticket = self.ticket
        forget_related(ticket, "events", "messages")  # what was read before is not all now
        if self.new:
            # A ticket created by this change: its messages and events are exactly those
            # written, so whoever shows it next (the API's 201) need not read them back.
            written = sorted(self.written, key=lambda event: (event.at, event.pk))
            messages: list[Message] = [e.message for e in written if e.kind == "message"]
            messages.sort(key=lambda message: (message.created_at, message.pk))
            remember_related(ticket, "events", written)
            remember_related(ticket, "messages", messages)


def changes_announce(changes: Sequence[TicketChange]) -> None:
    """Tell `tickets_changed` once of these written changes (one ticket each), with each
    ticket's log as it now is; then settle what their ticket objects cache."""
    written = [change for change in changes if change.written]
    if not written:
        return
    tickets_changed.notify(
        tickets=[(c.ticket.pk, c.ticket.created_at, c.ticket.calendar_id) for c in written],
        events={change.ticket.pk: change.events for change in written},
        cache={},
        appended={
            change.ticket.pk: [event.pk for event in change.written]
            for change in written
            if change.appended_only
        },
    )
    for change in written:
        change.settle()


def _row(event: TicketEvent) -> EventRow:
    """The EventRow of an event this change inserted, as the log reader would read it back."""
    return event_row(
        kind=event.kind,
        at=event.at.astimezone(UTC),
        agent_id=event.agent_id,
        subtype=event.subtype,
        score=event.score,
        fields=event.fields,
        id=event.pk,
    )


# Every action writes a few rows; building the ORM's INSERT and UPDATE statements cost more
# than running them (about 0.2 ms each against 0.05 ms), so the change writes its rows with
# plain SQL, the values prepared by the model fields as the ORM prepares them.


def rows_insert(objects: Sequence[models.Model]) -> None:
    """Insert new model objects of one model with one INSERT … RETURNING their ids, as
    `bulk_create` does (defaults and `auto_now_add` applied, related ids taken from the
    related objects); without RETURNING (old SQLite), through `bulk_create`."""
    if not objects:
        return
    model = type(objects[0])
    db = transaction.get_connection()
    if not db.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objects)
        return
    fields = _insert_fields(model)
    rows: list[list[Any]] = []
    for obj in objects:
        # What save() and bulk_create() do first: related objects' new ids into their columns.
        obj._prepare_related_fields_for_save(operation_name="rows_insert")  # type: ignore[attr-defined]
        rows.append([field.get_db_prep_save(field.pre_save(obj, True), db) for field in fields])
    with db.cursor() as cursor:
        if db.vendor == "postgresql" and len(rows) > 1:
            # Many rows (a batch, `tickets.services.batch`): one array per column, so the
            # statement's text is the same for any number of rows (parsed once, not per
            # batch; a VALUES list of thousands of parameters costs more to send than to run).
            cursor.execute(
                _insert_unnest_sql(model), [list(column) for column in zip(*rows, strict=True)]
            )
        else:
            values = [value for row in rows for value in row]
            cursor.execute(_insert_sql(db.vendor, model, len(objects)), values)
        ids = [pk for (pk,) in cursor.fetchall()]
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db.alias


def row_update(obj: models.Model, names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)` as one plain UPDATE (no signals are connected to the
    ticket models)."""
    db = transaction.get_connection()
    sql, fields = _update_sql(db.vendor, type(obj), tuple(names))
    values = [field.get_db_prep_save(field.pre_save(obj, False), db) for field in fields]
    with db.cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])


# The statements' texts, built once per database kind, model and shape.


@functools.cache
def _insert_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


@functools.cache
def _insert_sql(vendor: str, model: type[models.Model], rows: int) -> str:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = _insert_fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    return (  # only quoted identifiers are interpolated; values are parameters
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(str(field.column)) for field in fields)}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(str(meta.pk.column))}"
    )


@functools.cache
def _insert_unnest_sql(model: type[models.Model]) -> str:
    """PostgreSQL: INSERT … SELECT FROM unnest(one array per column) RETURNING the ids, in
    the arrays' order."""
    quote = connection.ops.quote_name
    meta = model._meta
    fields = _insert_fields(model)
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
    return (  # only quoted identifiers and column types are interpolated
        f"INSERT INTO {quote(meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(str(field.column)) for field in fields)}) "
        f"SELECT * FROM unnest({arrays}) RETURNING {quote(str(meta.pk.column))}"
    )


@functools.cache
def _update_sql(
    vendor: str, model: type[models.Model], names: tuple[str, ...]
) -> tuple[str, list[models.Field[Any, Any]]]:
    quote = connection.ops.quote_name
    meta = model._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"UPDATE {quote(meta.db_table)} SET "  # noqa: S608
        f"{', '.join(f'{quote(str(field.column))} = %s' for field in fields)} "
        f"WHERE {quote(str(meta.pk.column))} = %s"
    )
    return sql, fields


def remember_related(instance: models.Model, name: str, objects: Sequence[models.Model]) -> None:
    """Make `instance.<name>.all()` answer `objects` without a query, as `prefetch_related`
    leaves it (the same cache): for a relation its writer knows in full."""
    queryset = getattr(instance, name).get_queryset()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache: dict[str, Any] = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[name] = queryset


def forget_related(instance: models.Model, *names: str) -> None:
    """Undo `remember_related` (and `prefetch_related`) for these relations of `instance`."""
    cache = instance.__dict__.get("_prefetched_objects_cache", {})
    for name in names:
        cache.pop(name, None)


@contextmanager
def ticket_change(
    ticket: Ticket, *, new: bool = False, lock: bool = True
) -> Iterator[TicketChange]:
    """One change to `ticket` (see the module's docstring). `new`: the ticket was created in
    this transaction and has no events yet (nothing is read). `lock`: read the ticket under a
    row lock (every action but the ones that only add a record, as before). Joins the open
    change of the same ticket, if any."""
    changes = _open_changes.get()
    if changes is not None and ticket.pk in changes:
        joined = changes[ticket.pk]
        try:
            yield joined
        except BaseException:
            # Its events are the outer block's now: the outer change cannot be written.
            joined.broken = True
            raise
        return
    mine = dict(changes or {})
    with transaction.atomic(savepoint=False):
        change = TicketChange(ticket, new=new, lock=lock)
        mine[ticket.pk] = change
        token = _open_changes.set(mine)
        try:
            yield change
        finally:
            _open_changes.reset(token)
        change.finish()


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    fields: dict[str, Any],
    at: datetime | None = None,
    agent: User | None = None,
    body: str | None = None,
    body_html: str = "",
    external_message_id: str = "",
) -> TicketEvent:
    """Append one event (and its Message for `message` events) and update the ticket's state.

    Inside a `ticket_change` block of the same ticket it joins that change (the consumers
    learn of it at the block's end); otherwise it is a change of its own, written and
    announced before it returns. Must run inside the caller's transaction. An event equal to
    a stored one is that event (docs/history.md), so recording it twice returns the stored
    one.
    """
    with ticket_change(ticket, lock=False) as change:
        return change.record(
            kind=kind,
            fields=fields,
            at=at,
            agent=agent,
            body=body,
            body_html=body_html,
            external_message_id=external_message_id,
        )
