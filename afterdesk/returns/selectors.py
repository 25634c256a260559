"""The reads of returns, through the one access rule (`access.cases_visible`)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from afterdesk.accounts.models import User
from afterdesk.returns.access import cases_visible
from afterdesk.returns.models import ReturnCase, State
from afterdesk.routing.models import ApprovalStatus

QUEUES = ("open", "pending_approval", "warehouse", "refund_failed", "resolved", "all")


def cases_list(*, user: User, queue: str = "open") -> QuerySet[ReturnCase]:
    rows = cases_visible(user).prefetch_related("lines__order_line", "refunds")
    rows = rows.select_related("approval")
    if queue == "open":
        return rows.exclude(state__in=[State.RESOLVED, State.REJECTED])
    if queue == "pending_approval":
        return rows.filter(approval__status=ApprovalStatus.PENDING)
    if queue == "warehouse":
        return rows.filter(state__in=[State.LABEL_SENT, State.IN_TRANSIT, State.RECEIVED])
    if queue == "refund_failed":
        return rows.filter(Q(state=State.REFUND_FAILED) | Q(refunds__state="manual_due"))
    if queue == "resolved":
        return rows.filter(state__in=[State.RESOLVED, State.REJECTED])
    return rows


def case_find(*, user: User, code: str) -> ReturnCase | None:
    """The warehouse's look-up: an RMA number or the return label's tracking number."""
    code = code.strip()
    if not code:
        return None
    rows = cases_visible(user)
    return (
        rows.filter(rma__iexact=code).first()
        or rows.filter(tracking_number__iexact=code).order_by("-created_at").first()
    )


def cases_of_ticket(*, user: User, ticket_id: int) -> QuerySet[ReturnCase]:
    return (
        cases_visible(user)
        .filter(ticket_id=ticket_id)
        .prefetch_related("lines__order_line", "refunds")
    )
