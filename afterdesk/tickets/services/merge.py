"""Merging duplicates from the work queue's bulk actions (docs/ui.md, "The inbox as a work
queue"). The event log is append-only, so nothing moves: each duplicate gets a note naming
the ticket it went into and is closed; the kept ticket gets a note naming them and their tags.
Every write goes through the ticket services, one event each."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Status, Ticket
from afterdesk.tickets.services.actions import note_add, ticket_set_status, ticket_set_tags


@transaction.atomic
def tickets_merge(*, into: Ticket, duplicates: Sequence[Ticket], by: User) -> int:
    """Merge `duplicates` into `into`; returns how many were merged. A closed duplicate or the
    kept ticket itself among the duplicates is refused (422), and then nothing is written."""
    others = [ticket for ticket in duplicates if ticket.pk != into.pk]
    if not others:
        raise ValidationError(_("choose at least one other ticket to merge"), field="ticket")
    if into.status == Status.CLOSED:
        raise ValidationError(
            _("#%(number)s is closed: merge into an open ticket") % {"number": into.number}
        )
    for ticket in others:
        if ticket.status == Status.CLOSED:
            raise ValidationError(_("#%(number)s is already closed") % {"number": ticket.number})
    tags = {tag.name for tag in into.tags.all()}
    for ticket in others:
        tags |= {tag.name for tag in ticket.tags.all()}
        note_add(ticket=ticket, by=by, body=f"Merged into #{into.number}.")
        ticket_set_status(ticket=ticket, by=by, status=Status.CLOSED)
    numbers = ", ".join(f"#{ticket.number}" for ticket in others)
    note_add(ticket=into, by=by, body=f"Merged here: {numbers}.")
    ticket_set_tags(ticket=into, tags=sorted(tags))
    return len(others)
