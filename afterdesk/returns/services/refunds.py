"""Refunds of a return case (docs/returns.md, "Refunds").

A refund runs in three steps so that no state is ever half written and no line is refunded
twice, even by two agents at once:

1. under the case's row lock, in one transaction: the checks (state, amount within the
   order's refundable balance, each line refunded at most once, the agent's approval limit),
   then the `Refund` row (pending) with its lines claimed — a unique index holds each order
   line to one standing refund;
2. the platform call (Shopify `refundCreate`, WooCommerce `POST orders/<id>/refunds`), outside
   any transaction, sent once;
3. under the lock again: success stores the platform's refund id and resolves the case (the
   `return` outcome); failure stores the error, releases the lines and leaves the case
   `refund_failed`, from which the refund may be tried again.

Amazon, eBay, AliExpress (and orders without a store connection) cannot be refunded through
an API here: the refund is recorded as due on the marketplace, with a reminder, until an
agent confirms it was made there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order, Platform
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.returns.access import act_require
from afterdesk.returns.models import (
    Refund,
    RefundedLine,
    RefundState,
    Resolution,
    Retention,
    ReturnCase,
    State,
)
from afterdesk.returns.services.cases import locked, resolve_write
from afterdesk.returns.services.emails import step_email
from afterdesk.returns.services.policy import CENT
from afterdesk.routing.approvals import approval_request_create, approval_required
from afterdesk.routing.models import ApprovalStatus
from afterdesk.stores.models import OrderLink
from afterdesk.stores.services.connections import source_for
from afterdesk.stores.services.orders import refund_record
from afterdesk.stores.shopify import ShopifyClient
from afterdesk.stores.sources import PlatformError
from afterdesk.stores.woocommerce import WooCommerceClient
from afterdesk.tickets.services import return_step_record

API_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE)
REMIND_AFTER = timedelta(hours=24)
STANDING = (RefundState.PENDING, RefundState.SUCCEEDED, RefundState.MANUAL_DUE)
# Which resolutions a refund may end a case with, and from which states.
REFUND_FROM = {
    Resolution.REFUND: (State.INSPECTED, State.RECEIVED, State.REFUND_FAILED),
    Resolution.PARTIAL_REFUND: (State.INSPECTED, State.RECEIVED, State.REFUND_FAILED),
    Resolution.REFUND_NO_RETURN: (State.APPROVED, State.REFUND_FAILED),
    Resolution.KEPT_PARTIAL_REFUND: (State.REQUESTED, State.APPROVED, State.REFUND_FAILED),
}


@dataclass(frozen=True)
class RefundOutcome:
    """What `refund_issue` did: `refund` None when it waits for a supervisor's approval."""

    case: ReturnCase
    refund: Refund | None
    waiting_approval: bool = False


def refundable_balance(order: Order) -> Decimal:
    """The order's total less what was refunded: by the desk's refunds that stand, and by
    refunds the platform told of that the desk did not make (counted once each)."""
    ours = Refund.objects.filter(case__order=order, state__in=STANDING)
    desk = ours.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    link = OrderLink.objects.filter(order=order).first()
    outside = Decimal(0)
    if link is not None and link.refunded_total:
        mine = ours.filter(state=RefundState.SUCCEEDED)
        told = set(link.refund_ids)
        counted = sum(
            (r.amount for r in mine if _legacy_id(r.platform_refund_id) in told),
            Decimal(0),
        )
        outside = max(link.refunded_total - counted, Decimal(0))
    return max(order.total - desk - outside, Decimal(0)).quantize(CENT)


def _legacy_id(platform_id: str) -> str:
    """Shopify's GraphQL `gid://shopify/Refund/123` is 123 in its webhooks."""
    return platform_id.rsplit("/", 1)[-1]


def _amount(value: Decimal | str | float) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationError(_("amount must be a number"), field="amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_("amount must be above 0"), field="amount")
    if amount != amount.quantize(CENT):
        raise ValidationError(_("amount has at most 2 decimals"), field="amount")
    return amount


def refund_issue(
    *,
    by: User,
    case: ReturnCase,
    amount: Decimal | str | float,
    resolution: str,
    note: str = "",
) -> RefundOutcome:
    """Refund `amount` of the case's order and resolve the case with `resolution` (refund,
    partial refund, refund without return, kept with partial refund)."""
    act_require(by)
    amount = _amount(amount)
    if resolution not in REFUND_FROM:
        raise ValidationError(
            f"resolution must be one of {', '.join(REFUND_FROM)}", field="resolution"
        )
    claimed = _claim(by=by, case=case, amount=amount, resolution=resolution, note=note)
    if claimed.refund is None or claimed.refund.state != RefundState.PENDING:
        return claimed
    return _send(by=by, refund=claimed.refund, note=note)


@transaction.atomic
def _claim(
    *, by: User, case: ReturnCase, amount: Decimal, resolution: str, note: str
) -> RefundOutcome:
    case = locked(case)
    allowed = REFUND_FROM[Resolution(resolution)]
    if case.state not in allowed:
        raise Conflict(
            f"return {case.rma} is {case.state}; a {resolution} needs it " + " or ".join(allowed)
        )
    if resolution == Resolution.KEPT_PARTIAL_REFUND and case.retention != Retention.ACCEPTED:
        raise Conflict(
            _("return %(rma)s: the buyer has not accepted a retention offer") % {"rma": case.rma}
        )
    order = case.order
    balance = refundable_balance(order)
    if amount > balance:
        raise ValidationError(
            f"{amount} {order.currency} is more than the order's refundable balance of "
            f"{balance} {order.currency}",
            field="amount",
        )
    lines = list(case.lines.select_related("order_line"))
    taken = RefundedLine.objects.filter(
        return_line__in=[line.pk for line in lines], released=False
    ).select_related("return_line__order_line", "refund")
    first = taken.first()
    if first is not None:
        raise Conflict(
            f"{first.return_line.order_line.sku} of {case.rma} was refunded already "
            f"({first.refund.amount} {first.refund.currency}, {first.refund.get_state_display()})"
        )
    if approval_required(by, amount, order.currency):
        approval = case.approval
        approved = (
            approval is not None
            and approval.status == ApprovalStatus.APPROVED
            and approval.amount >= amount
            and approval.currency == order.currency
        )
        if not approved:
            if approval is not None and approval.status == ApprovalStatus.PENDING:
                raise Conflict(
                    _("return %(rma)s waits for a supervisor's approval") % {"rma": case.rma}
                )
            case.approval = approval_request_create(
                by=by,
                kind="refund",
                amount=amount,
                currency=order.currency,
                ticket=case.ticket,
                note=f"Return {case.rma}: {resolution}. {note}".strip(),
            )
            case.save(update_fields=["approval", "updated_at"])
            return_step_record(
                ticket=case.ticket,
                rma=case.rma,
                step="approval_requested",
                by=by,
                amount=amount,
                currency=order.currency,
                note=f"{resolution} {note}".strip(),
            )
            return RefundOutcome(case, None, waiting_approval=True)
    link = OrderLink.objects.select_related("connection").filter(order=order).first()
    by_api = order.store.platform in API_PLATFORMS and link is not None
    now = timezone.now()
    refund = Refund.objects.create(
        case=case,
        amount=amount,
        currency=order.currency,
        resolution=resolution,
        state=RefundState.PENDING if by_api else RefundState.MANUAL_DUE,
        remind_at=None if by_api else now + REMIND_AFTER,
        by=by,
    )
    try:
        with transaction.atomic():
            RefundedLine.objects.bulk_create(
                [RefundedLine(refund=refund, return_line=line) for line in lines]
            )
    except IntegrityError as exc:  # another case of the order claimed a line meanwhile
        raise Conflict(_("a line of this return was refunded already")) from exc
    case.state = State.REFUNDING
    case.save(update_fields=["state", "updated_at"])
    if not by_api:
        return_step_record(
            ticket=case.ticket,
            rma=case.rma,
            step="manual_refund_due",
            by=by,
            amount=amount,
            currency=order.currency,
            note=f"refund it on {order.store.get_platform_display()}, then confirm. {note}".strip(),
        )
    return RefundOutcome(case, refund)


def _send(*, by: User, refund: Refund, note: str) -> RefundOutcome:
    case = refund.case
    order = case.order
    link = OrderLink.objects.select_related("connection").get(order=order)
    reason = f"Return {case.rma}" + (f": {note}" if note else "")
    platform_id, error = "", ""
    try:
        client = source_for(link.connection)
        if isinstance(client, (ShopifyClient, WooCommerceClient)):
            answer = client.refund_create(link.external_id, refund.amount, refund.currency, reason)
        else:  # pragma: no cover - API_PLATFORMS names only these two
            raise PlatformError(f"no refund API for {link.connection.platform}")
        platform_id = str(answer.get("id", ""))
        if not platform_id:
            raise PlatformError("the platform answered without a refund id")
    except (PlatformError, ValidationError) as exc:
        error = str(exc) or exc.__class__.__name__
    return _finish(by=by, refund=refund, platform_id=platform_id, error=error, link=link)


@transaction.atomic
def _finish(
    *, by: User, refund: Refund, platform_id: str, error: str, link: OrderLink | None
) -> RefundOutcome:
    case = locked(refund.case)
    refund = Refund.objects.select_for_update().get(pk=refund.pk)
    if refund.state not in (RefundState.PENDING, RefundState.MANUAL_DUE):
        raise Conflict(f"refund {refund.pk} of {case.rma} is {refund.state} already")
    if error:
        refund.state, refund.error = RefundState.FAILED, error[:4000]
        refund.save(update_fields=["state", "error"])
        refund.lines.update(released=True)
        case.state = State.REFUND_FAILED
        case.save(update_fields=["state", "updated_at"])
        return_step_record(
            ticket=case.ticket,
            rma=case.rma,
            step="refund_failed",
            by=by,
            amount=refund.amount,
            currency=refund.currency,
            error=error,
        )
        return RefundOutcome(case, refund)
    refund.state, refund.platform_refund_id = RefundState.SUCCEEDED, platform_id[:200]
    refund.done_at = timezone.now()
    refund.save(update_fields=["state", "platform_refund_id", "done_at"])
    if link is not None:
        # Counted on the order now, once: the platform's refunds/create webhook is the same id.
        refund_record(
            link.connection,
            order_external_id=link.external_id,
            refund_id=_legacy_id(platform_id),
            amount=refund.amount,
        )
    return_step_record(
        ticket=case.ticket,
        rma=case.rma,
        step="refunded",
        by=by,
        amount=refund.amount,
        currency=refund.currency,
        refund_id=refund.platform_refund_id,
    )
    resolve_write(
        by=by,
        case=case,
        resolution=refund.resolution,
        amount=refund.amount,
        refund_id=refund.platform_refund_id,
    )
    step_email(by=by, case=case, step="refunded", amount=refund.amount)
    return RefundOutcome(case, refund)


def refund_manual_confirm(
    *, by: User, refund: Refund, platform_refund_id: str, note: str = ""
) -> RefundOutcome:
    """An agent made the refund on the marketplace: its id there (or what identifies it)."""
    act_require(by)
    if not platform_refund_id.strip():
        raise ValidationError(
            _("give the marketplace's refund id (or what identifies the refund there)"),
            field="platform_refund_id",
        )
    if refund.state != RefundState.MANUAL_DUE:
        raise Conflict(f"refund {refund.pk} is {refund.state}, not waiting for a confirmation")
    with transaction.atomic():
        outcome = _finish(
            by=by, refund=refund, platform_id=platform_refund_id.strip(), error="", link=None
        )
        return_step_record(
            ticket=outcome.case.ticket,
            rma=outcome.case.rma,
            step="manual_refund_confirmed",
            by=by,
            refund_id=platform_refund_id.strip(),
            note=note,
        )
    return outcome


@transaction.atomic
def manual_refund_reminders(*, now: datetime) -> list[Refund]:
    """Each marketplace refund still not confirmed a day later gets one reminder on its
    ticket (a `manual_refund_due` step saying so); run by the hourly task."""
    due = list(
        Refund.objects.select_for_update(skip_locked=True)
        .select_related("case", "case__ticket")
        .filter(state=RefundState.MANUAL_DUE, remind_at__lte=now, reminded_at__isnull=True)
    )
    for refund in due:
        refund.reminded_at = now
        refund.save(update_fields=["reminded_at"])
        return_step_record(
            ticket=refund.case.ticket,
            rma=refund.case.rma,
            step="manual_refund_due",
            amount=refund.amount,
            currency=refund.currency,
            note="reminder: the marketplace refund is not confirmed yet",
            at=now,
        )
    return due
