"""Many tickets' changes written together: what `ticket_create` and `message_ingest` write
for a batch of inbound messages (the email ingester's batches, `channels.services.batch`),
with one statement per table for the whole batch instead of one per message.

    with transaction.atomic():
        batch = TicketBatch()
        batch.load(stored_tickets)              # their logs, locked, in one query
        ticket, event = batch.create(...)       # what ticket_create(...) takes
        batch.ingest(ticket, body=..., ...)     # what message_ingest(...) takes
        batch.finish()

The rows are the very ones the single actions write (the same `TicketChange.record`, the
same triage rule, the same reopening), so a batch and the same actions one by one leave the
same tickets, events, messages, order links and facts:

- `create` makes the ticket object and records its events; nothing is written yet;
- `ingest` records a customer's message on a stored ticket (read by `load` under a row lock,
  in id order) or on one created earlier in the batch (its change is still open: the reply
  sees the state the earlier message left);
- `finish` inserts the new tickets with their final state in the order opened (one INSERT:
  their ids, hence their numbers, as one by one) and numbers them (one UPDATE), inserts
  every recorded event in recording order (one INSERT, so their ids come in the order the
  single actions would have given them), their messages (one more), the order links (one),
  saves the stored tickets' changed columns (one UPDATE per set of changed columns), and
  tells `tickets_changed` once for all the tickets: the facts are computed once per ticket
  from its final log, as a full recompute would.

A late event on a stored ticket (dated before its newest) replays its state as
`ticket_change` does; its rows are then written at once, the others' still at `finish`. On a
ticket opened in the same batch it raises `LateEventInBatch` (its rows are not stored yet):
the caller goes one message at a time instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError

from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.tickets.consumers import tickets_opened
from afterdesk.tickets.log_reader import ticket_logs_load
from afterdesk.tickets.models import Message, MessageKind, Priority, Ticket, TicketEvent
from afterdesk.tickets.services.actions import (
    message_ingest_record,
    ticket_new,
)
from afterdesk.tickets.services.changes import (
    TicketChange,
    changes_announce,
    remember_related,
    rows_insert,
)
from afterdesk.tickets.services.triage import triage_apply, triage_fields


class LateEventInBatch(Exception):
    """A message dated before the newest event of a ticket opened in the same batch: its
    state would be replayed from stored rows that do not exist yet. The caller writes the
    batch's messages one at a time instead (`channels.services.batch` does)."""


class TicketBatch:
    """New tickets and customers' messages, written together (see the module)."""

    def __init__(self) -> None:
        if not transaction.get_connection().in_atomic_block:
            raise TransactionManagementError("a TicketBatch runs inside the caller's transaction")
        self.changes: dict[int, TicketChange] = {}  # stored tickets' changes, by pk
        self.created: dict[int, TicketChange] = {}  # new tickets' changes, by id(ticket)
        self.events: list[TicketEvent] = []  # recorded, in recording order
        self.messages: list[Message] = []  # the message events' rows, in recording order
        self.orders: dict[int, list[Order]] = {}  # a new ticket's orders, by id(ticket)
        self.finished = False

    def load(self, tickets: Sequence[Ticket]) -> None:
        """Read these stored tickets' state and logs under row locks, in one query; a ticket
        not loaded is read by `ingest` when it comes."""
        wanted = [ticket for ticket in tickets if ticket.pk not in self.changes]
        logs = ticket_logs_load(ticket_ids=[ticket.pk for ticket in wanted], lock=True)
        for ticket in wanted:
            if ticket.pk in self.changes:  # named twice
                continue
            log = logs.get(ticket.pk)
            if log is None:
                raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
            self.changes[ticket.pk] = TicketChange(ticket, new=False, lock=True, log=log)

    def change_of(self, ticket: Ticket) -> TicketChange:
        """The batch's change of this ticket (a stored one read under a lock on first use)."""
        if ticket.pk is None:
            return self.created[id(ticket)]
        change = self.changes.get(ticket.pk)
        if change is None:
            self.load([ticket])
            change = self.changes[ticket.pk]
        return change

    def ticket_of(self, pk: int) -> Ticket | None:
        """The batch's own object of a stored ticket it has loaded (its current state)."""
        change = self.changes.get(pk)
        return change.ticket if change is not None else None

    def create(
        self,
        *,
        subject: str,
        channel: str,
        body: str,
        customer: Customer | None,
        store: Store | None,
        platform: str = "",
        market: str = "",
        language: str = "",
        category: str = "",
        priority: str = Priority.NORMAL,
        orders: Sequence[Order] = (),
        external_message_id: str = "",
        at: datetime | None = None,
        triage: dict[str, Any] | None = None,
    ) -> tuple[Ticket, TicketEvent]:
        """`tickets.services.ticket_create` with these arguments, in the batch: the ticket
        (stored, and numbered, by `finish`) and its first message's event. `customer` may be
        one the caller stores before `finish`."""
        triage_checked = triage_fields(**triage, by=None) if triage is not None else None
        ticket = ticket_new(
            subject=subject,
            channel=channel,
            customer=customer,
            store=store,
            platform=platform,
            market=market,
            language=language,
            category=category,
            priority=priority,
            calendar=None,
            order_value=None,
            currency="",
            external_id=None,
            at=at,
        )
        change = TicketChange(ticket, new=True, lock=False)
        self.created[id(ticket)] = change
        if body:
            # `_ticket_fill`'s first message (it also touches the ticket's relations, which an
            # unstored ticket cannot have yet: `finish` sets them).
            change.record(
                kind="message",
                fields={"kind": MessageKind.INBOUND},
                at=ticket.created_at,
                body=body,
                external_message_id=external_message_id,
            )
        self.orders[id(ticket)] = list(orders)
        if triage_checked is not None:
            triage_apply(change, fields=triage_checked, by=None, at=ticket.created_at)
        self._collect(change, 0)
        first = next(event for event in change.pending if event.kind == "message")
        return ticket, first

    def ingest(
        self,
        ticket: Ticket,
        *,
        body: str,
        external_message_id: str = "",
        at: datetime | None = None,
    ) -> TicketEvent:
        """`tickets.services.message_ingest` in the batch (on a stored ticket, or on one
        created earlier in it); returns the message's event."""
        change = self.change_of(ticket)
        if change.new and at is not None and change.newest is not None and at < change.newest:
            raise LateEventInBatch(f"a message dated {at} before its new ticket's newest event")
        before = len(change.pending)
        written = len(change.written)
        event = message_ingest_record(
            change, body=body, external_message_id=external_message_id, at=at
        )
        if len(change.written) > written:
            # A late event: the change wrote its rows at once (`TicketChange._replay`).
            before = 0
        self._collect(change, before)
        return event

    def _collect(self, change: TicketChange, before: int) -> None:
        """Keep the events (and message rows) the change recorded since `before`, in order."""
        # `record` appends to `pending` only an event it has not seen (the same event again is
        # the one kept), so what follows `before` is new.
        self.events += change.pending[before:]
        message_of = {id(message.event): message for message in change.messages}
        for event in change.pending[before:]:
            message = message_of.get(id(event))
            if message is not None and message.pk is None:
                self.messages.append(message)

    def finish(self) -> None:
        """Write everything recorded (see the module) and tell `tickets_changed` once."""
        if self.finished:
            raise TransactionManagementError("this TicketBatch was written already")
        self.finished = True
        created = list(self.created.values())
        # The new tickets with their final state, in the order opened (their numbers as one
        # by one); then their numbers, known now.
        new_tickets = [change.ticket for change in created]
        rows_insert(new_tickets)
        for ticket in new_tickets:
            ticket.external_id = f"AD-{ticket.pk}"
        rows_update(new_tickets, ["external_id"])
        for change in created:
            change.dirty.clear()
        rows_insert([event for event in self.events if event.pk is None])
        rows_insert([message for message in self.messages if message.pk is None])
        changes = [*created, *self.changes.values()]
        for change in changes:
            change.inserted()
        _tickets_save(list(self.changes.values()))
        through: type[models.Model] = Ticket.orders.through
        links = [
            through(ticket_id=ticket.pk, order_id=order.pk)
            for ticket in new_tickets
            for order in self.orders[id(ticket)]
        ]
        if links:
            through._default_manager.bulk_create(links)
        for ticket in new_tickets:
            # What `ticket_create` leaves known: a new ticket's tags, and orders if none.
            if not self.orders[id(ticket)]:
                remember_related(ticket, "orders", [])
            remember_related(ticket, "tags", [])
        changes_announce(changes)
        if new_tickets:
            tickets_opened.notify(tickets=new_tickets, risks={})


def _tickets_save(changes: Sequence[TicketChange]) -> None:
    """Each ticket's changed columns, with one UPDATE per set of changed columns."""
    groups: dict[tuple[str, ...], list[Ticket]] = {}
    for change in changes:
        if change.dirty:
            groups.setdefault(tuple(sorted(change.dirty)), []).append(change.ticket)
            change.dirty.clear()
    for names, tickets in groups.items():
        rows_update(tickets, names)


def rows_update(objects: Sequence[models.Model], names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)` for many objects of one model in one statement
    (PostgreSQL: `UPDATE … FROM (VALUES …)`; SQLite, in process: `executemany` of the
    one-row UPDATE), the values prepared by the model fields as the ORM prepares them."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in names]
    db = transaction.get_connection()
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(str(meta.pk.column))
    rows = []
    for obj in objects:
        # What save() does first: related objects' ids into their columns.
        obj._prepare_related_fields_for_save(operation_name="rows_update")  # type: ignore[attr-defined]
        prepared = [field.get_db_prep_save(field.pre_save(obj, False), db) for field in fields]
        rows.append([*prepared, obj.pk])
    with db.cursor() as cursor:
        if db.vendor != "postgresql":
            sets = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", rows)  # noqa: S608
            return
        # One array per column: the statement's text does not grow with the rows.
        types = [field.db_type(db) for field in fields] + [meta.pk.rel_db_type(db)]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        columns = [f"c{index}" for index in range(len(fields))]
        sets = ", ".join(
            f"{quote(str(field.column))} = v.{column}"
            for field, column in zip(fields, columns, strict=True)
        )
        sql = (  # only quoted identifiers and column types are interpolated
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) "  # noqa: S608
            f"AS v({', '.join(columns)}, pk) WHERE {table}.{pk} = v.pk"
        )
        cursor.execute(sql, [list(column) for column in zip(*rows, strict=True)])


__all__ = ["LateEventInBatch", "TicketBatch", "rows_update"]
