"""Approval limits (docs/routing.md, "Approval limits"): a refund or credit above the agent's
limit waits for a supervisor. The returns flow asks `approval_required` first and, when it
answers True, files an `approval_request_create` and acts once the request is approved."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, NotFound, ValidationError
from afterdesk.notifications.models import NotificationKind
from afterdesk.notifications.selectors import supervisors_for_team
from afterdesk.notifications.services import notify
from afterdesk.routing.access import can_decide, decide_require
from afterdesk.routing.models import AgentRouting, ApprovalKind, ApprovalRequest, ApprovalStatus
from afterdesk.tickets.models import Ticket

# The kind inside a sentence ("asks to approve a refund of …"), in the reader's language.
KIND_WORDS: dict[str, str | Promise] = {
    ApprovalKind.REFUND.value: gettext_lazy("refund"),
    ApprovalKind.CREDIT.value: gettext_lazy("credit"),
}


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError("amount must be a number", field="amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationError("amount must be above 0", field="amount")
    return amount


def _currency(value: Any) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError("currency is a 3-letter code such as EUR", field="currency")
    return code


def approval_required(agent: User, amount: Decimal | float | str, currency: str) -> bool:
    """Whether `agent` needs a supervisor's approval to refund or credit this much.
    Supervisors and admins never do; an agent without a limit does not; a limit in another
    currency cannot be compared, so the amount waits for approval."""
    amount = _amount(amount)
    currency = _currency(currency)
    if can_decide(agent):
        return False
    limit = (
        AgentRouting.objects.filter(user=agent)
        .values_list("approval_limit", "approval_currency")
        .first()
    )
    if limit is None or limit[0] is None:
        return False
    if limit[1] and limit[1] != currency:
        return True
    return amount > limit[0]


@transaction.atomic
def approval_request_create(
    *,
    by: User,
    kind: str,
    amount: Decimal | float | str,
    currency: str,
    ticket: Ticket | None = None,
    note: str = "",
) -> ApprovalRequest:
    """File a request; the supervisors (of the ticket's team, else every supervisor and admin)
    are notified (docs/notifications.md, "Approvals")."""
    if kind not in ApprovalKind.values:
        raise ValidationError(f"kind must be one of {', '.join(ApprovalKind.values)}", field="kind")
    request = ApprovalRequest.objects.create(
        ticket=ticket,
        requested_by=by,
        kind=kind,
        amount=_amount(amount),
        currency=_currency(currency),
        note=note.strip()[:2000],
    )
    amount = f"{request.amount:.2f} {request.currency}"
    kind_name = KIND_WORDS.get(request.kind, request.kind)
    # Lazy: each supervisor's copy is written in their own language.
    title = (
        format_lazy(
            gettext_lazy("{person} asks to approve a {kind} of {amount} on ticket #{ticket}"),
            person=by,
            kind=kind_name,
            amount=amount,
            ticket=ticket.pk,
        )
        if ticket is not None
        else format_lazy(
            gettext_lazy("{person} asks to approve a {kind} of {amount}"),
            person=by,
            kind=kind_name,
            amount=amount,
        )
    )
    notify(
        users=supervisors_for_team(ticket.team_id if ticket is not None else None),
        kind=NotificationKind.APPROVAL,
        title=title,
        body=request.note,
        url=reverse("routing:approvals"),
        ticket_id=ticket.pk if ticket is not None else None,
        actor=by,
        dedupe_key=f"approval:{request.pk}",
    )
    return request


@transaction.atomic
def approval_decide(*, by: User, request_id: int, approve: bool, note: str = "") -> ApprovalRequest:
    """A supervisor approves or denies a pending request, once (409 when decided before)."""
    decide_require(by)
    request = ApprovalRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None:
        raise NotFound("no such approval request")
    if request.status != ApprovalStatus.PENDING:
        raise Conflict(f"the request was {request.status} already")
    request.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:2000]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notify(
        users=[request.requested_by],
        kind=NotificationKind.APPROVAL_DECIDED,
        title=format_lazy(
            gettext_lazy("{person} approved your {kind} of {amount}")
            if approve
            else gettext_lazy("{person} denied your {kind} of {amount}"),
            person=by,
            kind=KIND_WORDS.get(request.kind, request.kind),
            amount=f"{request.amount:.2f} {request.currency}",
        ),
        body=request.decision_note,
        url=reverse("routing:approvals"),
        ticket_id=request.ticket_id,
        actor=by,
        dedupe_key=f"approval_decided:{request.pk}",
    )
    return request


def approvals_visible(user: User) -> QuerySet[ApprovalRequest]:
    """Supervisors and admins see every request; an agent their own."""
    rows = ApprovalRequest.objects.select_related("requested_by", "decided_by", "ticket")
    return rows if can_decide(user) else rows.filter(requested_by=user)


def approval_get(*, user: User, request_id: int) -> ApprovalRequest:
    request = approvals_visible(user).filter(pk=request_id).first()
    if request is None:
        raise NotFound("no such approval request")
    return request
