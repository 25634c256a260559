"""The ticket writes of the SLA clocks (docs/sla.md): an agent's "no response needed", and the
`sla_warning`/`sla_breach` events the sweep writes, each once per ticket, target and deadline.
The clocks themselves live in `afterdesk.sla`, above the desk; they write through here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.core.timeutil import format_instant
from afterdesk.tickets.events import SLA_EVENT_TYPES, SLA_TARGETS, sla_deadline
from afterdesk.tickets.models import Status, Ticket, TicketEvent
from afterdesk.tickets.services.changes import ticket_change


@transaction.atomic
def ticket_no_reply(*, ticket: Ticket, by: User, at: datetime | None = None) -> TicketEvent:
    """ "No response needed": the buyer's messages so far need no answer, and the running
    reply clock (first or next reply) stops without one. A closed ticket takes no more."""
    with ticket_change(ticket) as change:
        if change.ticket.status == Status.CLOSED:
            raise Conflict("the ticket is closed")
        return change.record(kind="no_reply", fields={"agent": by.username}, agent=by, at=at)


@transaction.atomic
def sla_event_write(
    *,
    ticket: Ticket,
    kind: str,
    target: str,
    due: datetime,
    policy: str = "",
    at: datetime | None = None,
) -> TicketEvent | None:
    """Write one `sla_warning` or `sla_breach` for `target` and its deadline `due`, unless the
    ticket already has that kind of event for that target and deadline (as an instant):
    returns None then. Decided under the ticket's row lock, from a read made after the lock
    is held, so two sweeps at once, or a sweep rerun after a crash, write it once."""
    if kind not in SLA_EVENT_TYPES:
        raise ValidationError(f"not an SLA event type: {kind!r}", field="kind")
    if target not in SLA_TARGETS:
        raise ValidationError(f"unknown SLA target {target!r}", field="target")
    # The lock first, in a statement of its own: what is read after it includes every event
    # committed by whoever held it before (PostgreSQL reads a blocked statement's joined rows
    # from the snapshot it started with).
    Ticket.objects.select_for_update().filter(pk=ticket.pk).values_list("pk").first()
    with ticket_change(ticket) as change:
        stored = TicketEvent.objects.filter(ticket_id=ticket.pk, kind=kind, subtype=target)
        for other in stored.values_list("fields", flat=True):
            if other.get("due") is not None and sla_deadline(other)[1] == due:
                return None
        fields: dict[str, Any] = {"target": target, "due": format_instant(due)}
        if policy:
            fields["policy"] = policy
        return change.record(kind=kind, fields=fields, at=at or timezone.now())
