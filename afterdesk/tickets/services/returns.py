"""A return case's steps on its ticket (docs/returns.md): each step is one `return_step`
event; the case's final outcome is the `return` event (`return_record`) written in the same
change, so the KPI `return_retention_rate` sees it (docs/metrics.md, "Return outcomes")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.events import RETURN_OUTCOMES, RETURN_STEPS
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.services.changes import ticket_change

NOTE_MAX_LENGTH = 4000


@transaction.atomic
def return_step_record(
    *,
    ticket: Ticket,
    rma: str,
    step: str,
    by: User | None = None,
    note: str = "",
    amount: Decimal | None = None,
    currency: str = "",
    refund_id: str = "",
    error: str = "",
    outcome: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    """Write one `return_step` event; with `outcome`, also the `return` event of the case's
    final outcome (with the amount refunded, if any), in the same change."""
    if step not in RETURN_STEPS:
        raise ValidationError(f"unknown return step {step!r}", field="step")
    if outcome and outcome not in RETURN_OUTCOMES:
        raise ValidationError(f"unknown return outcome {outcome!r}", field="outcome")
    fields: dict[str, Any] = {"rma": rma, "step": step}
    if by is not None:
        fields["agent"] = by.username
    if note.strip():
        fields["note"] = note.strip()[:NOTE_MAX_LENGTH]
    if amount is not None:
        fields["amount"] = float(amount)
    if currency:
        fields["currency"] = currency
    if refund_id:
        fields["refund_id"] = refund_id
    if error:
        fields["error"] = error[:NOTE_MAX_LENGTH]
    with ticket_change(ticket, lock=False) as change:
        event = change.record(kind="return_step", fields=fields, agent=by, at=at)
        if outcome:
            outcome_fields: dict[str, Any] = {"outcome": outcome}
            if amount is not None:
                outcome_fields["amount"] = float(amount)
                outcome_fields["currency"] = currency
            change.record(kind="return", fields=outcome_fields, at=event.at)
        return event
