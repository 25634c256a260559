"""A return case's steps (docs/returns.md, "Steps"): each is one function, run in one
transaction under the case's row lock, that checks the step is allowed from the case's state
and writes its `return_step` event through the ticket services. A step not allowed from the
state answers 409 naming the state; nothing is written."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.returns.access import act_require, can_override, override_require
from afterdesk.returns.models import (
    RESOLUTION_OUTCOME,
    QcResult,
    Reason,
    Resolution,
    Retention,
    ReturnCase,
    ReturnLine,
    State,
)
from afterdesk.returns.services.emails import step_email
from afterdesk.returns.services.policy import CENT, money, policy_check
from afterdesk.routing.approvals import approval_decide, approval_request_create, approval_required
from afterdesk.routing.models import ApprovalStatus
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.services import return_step_record

LABEL_COST_MAX = Decimal("10000")
RMA_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
OPEN_STATES = (
    State.REQUESTED,
    State.APPROVED,
    State.LABEL_SENT,
    State.IN_TRANSIT,
    State.RECEIVED,
    State.INSPECTED,
    State.REFUND_FAILED,
)


@dataclass(frozen=True)
class LineIn:
    order_line_id: int
    quantity: int


def _rma() -> str:
    return "RMA-" + "".join(secrets.choice(RMA_ALPHABET) for _ in range(8))


def locked(case: ReturnCase) -> ReturnCase:
    """The case reloaded under its row lock: two agents acting at once take turns."""
    return ReturnCase.objects.select_for_update().select_related("ticket", "order").get(pk=case.pk)


def _require_state(case: ReturnCase, *states: str) -> None:
    if case.state not in states:
        raise Conflict(
            _("return %(rma)s is %(state)s; this step needs it %(states)s")
            % {
                "rma": case.rma,
                "state": case.state,
                "states": _(" or ").join(str(s) for s in states),
            }
        )


def case_value(case: ReturnCase) -> Decimal:
    """What the returned lines cost the buyer (unit price × quantity)."""
    total = sum(
        (
            line.order_line.unit_price * line.quantity
            for line in case.lines.select_related("order_line")
        ),
        Decimal(0),
    )
    return Decimal(total).quantize(CENT)


@transaction.atomic
def case_create(
    *,
    by: User,
    ticket: Ticket,
    order: Order,
    lines: Sequence[LineIn],
    reason: str,
    requested_resolution: str,
    note: str = "",
    override_note: str = "",
) -> ReturnCase:
    """Open a return for lines of the ticket's order. Breaking the store's policy is refused
    with each reason, unless a supervisor overrides it with a note."""
    act_require(by)
    if reason not in Reason.values:
        raise ValidationError(f"reason must be one of {', '.join(Reason.values)}", field="reason")
    if requested_resolution not in Resolution.values:
        raise ValidationError(
            f"requested_resolution must be one of {', '.join(Resolution.values)}",
            field="requested_resolution",
        )
    if not ticket.orders.filter(pk=order.pk).exists():
        raise ValidationError(
            _("order %(number)s is not an order of this ticket") % {"number": order.number},
            field="order",
        )
    if not lines:
        raise ValidationError(_("a return needs at least one order line"), field="lines")
    order_lines = {line.pk: line for line in order.lines.all()}
    chosen = []
    seen: set[int] = set()
    for item in lines:
        line = order_lines.get(item.order_line_id)
        if line is None:
            raise ValidationError(
                _("order line %(line)s is not a line of order %(number)s")
                % {"line": item.order_line_id, "number": order.number},
                field="lines",
            )
        if item.order_line_id in seen:
            raise ValidationError(
                _("order line %(sku)s is named twice") % {"sku": line.sku}, field="lines"
            )
        seen.add(item.order_line_id)
        already = sum(
            r.quantity
            for r in ReturnLine.objects.filter(order_line=line)
            .exclude(case__state=State.REJECTED)
            .exclude(case__resolution=Resolution.WITHDRAWN)
        )
        if not 1 <= item.quantity <= line.quantity - already:
            raise ValidationError(
                _(
                    "quantity of %(sku)s must be from 1 to %(most)s (ordered %(ordered)s, in "
                    "other returns %(already)s)"
                )
                % {
                    "sku": line.sku,
                    "most": line.quantity - already,
                    "ordered": line.quantity,
                    "already": already,
                },
                field="lines",
            )
        chosen.append((line, item.quantity))
    check = policy_check(order, chosen)
    if not check.ok:
        if not override_note.strip():
            suffix = (
                "; a supervisor may override it with a note"
                if not can_override(by)
                else ("; give an override note to accept it anyway")
            )
            raise ValidationError(
                _("the return breaks the policy: %(violations)s")
                % {"violations": "; ".join(check.violations) + suffix},
                field="lines",
            )
        override_require(by)
    case = ReturnCase.objects.create(
        rma=_rma(),
        ticket=ticket,
        order=order,
        reason=reason,
        requested_resolution=requested_resolution,
        created_by=by,
        policy_note="; ".join(check.violations),
        override_by=by if check.violations else None,
        override_note=override_note.strip()[:2000] if check.violations else "",
    )
    ReturnLine.objects.bulk_create(
        [ReturnLine(case=case, order_line=line, quantity=qty) for line, qty in chosen]
    )
    summary = ", ".join(f"{qty} × {line.sku}" for line, qty in chosen)
    return_step_record(
        ticket=ticket,
        rma=case.rma,
        step="requested",
        by=by,
        note=f"{summary}; {reason}; wants {requested_resolution}. {note}".strip(),
    )
    if check.violations:
        return_step_record(
            ticket=ticket,
            rma=case.rma,
            step="policy_override",
            by=by,
            note=f"{case.policy_note} — {case.override_note}",
        )
    step_email(by=by, case=case, step="requested", note=note)
    return case


@transaction.atomic
def case_approve(*, by: User, case: ReturnCase, note: str = "") -> ReturnCase:
    """Approve the return. Above the agent's approval limit (the returned lines' value) the
    case waits for a supervisor: an approval request is filed (once) and the case stays
    requested until the request is approved, then this step goes through."""
    act_require(by)
    case = locked(case)
    _require_state(case, State.REQUESTED)
    value = case_value(case)
    currency = case.order.currency
    needs = value > 0 and approval_required(by, value, currency)
    if needs:
        approval = case.approval
        if approval is None or approval.status == ApprovalStatus.DENIED:
            approval = approval_request_create(
                by=by,
                kind="refund",
                amount=value,
                currency=currency,
                ticket=case.ticket,
                note=f"Return {case.rma}: {note}".strip(),
            )
            case.approval = approval
            case.save(update_fields=["approval", "updated_at"])
            return_step_record(
                ticket=case.ticket,
                rma=case.rma,
                step="approval_requested",
                by=by,
                amount=value,
                currency=currency,
                note=note,
            )
            return case
        if approval.status == ApprovalStatus.PENDING:
            raise Conflict(
                _("return %(rma)s waits for a supervisor's approval") % {"rma": case.rma}
            )
    elif case.approval is not None and case.approval.status == ApprovalStatus.PENDING:
        # A supervisor approving the case decides the request an agent filed for it.
        approval_decide(by=by, request_id=case.approval.pk, approve=True, note=note)
    case.state = State.APPROVED
    case.save(update_fields=["state", "updated_at"])
    return_step_record(ticket=case.ticket, rma=case.rma, step="approved", by=by, note=note)
    step_email(by=by, case=case, step="approved", note=note)
    return case


@transaction.atomic
def case_reject(*, by: User, case: ReturnCase, note: str) -> ReturnCase:
    act_require(by)
    if not note.strip():
        raise ValidationError(_("say why the return is rejected"), field="note")
    case = locked(case)
    _require_state(case, State.REQUESTED, State.RECEIVED, State.INSPECTED)
    case.state = State.REJECTED
    case.save(update_fields=["state", "updated_at"])
    return_step_record(ticket=case.ticket, rma=case.rma, step="rejected", by=by, note=note)
    step_email(by=by, case=case, step="rejected", note=note)
    return case


@transaction.atomic
def label_send(
    *,
    by: User,
    case: ReturnCase,
    carrier: str,
    tracking_number: str,
    cost: Decimal | None = None,
) -> ReturnCase:
    """The return label went to the buyer (its carrier and tracking number, and what it cost
    the seller when known: the analytics' shipping cost of returns)."""
    act_require(by)
    carrier, tracking_number = carrier.strip()[:50], tracking_number.strip()[:100]
    if not tracking_number:
        raise ValidationError(_("the label's tracking number is required"), field="tracking_number")
    if cost is not None and not Decimal(0) <= cost <= LABEL_COST_MAX:
        raise ValidationError(
            _("the label's cost must be from 0 to %(most)s") % {"most": LABEL_COST_MAX},
            field="label_cost",
        )
    case = locked(case)
    _require_state(case, State.APPROVED)
    case.state, case.carrier, case.tracking_number = State.LABEL_SENT, carrier, tracking_number
    case.label_cost = money(cost) if cost is not None else None
    case.save(update_fields=["state", "carrier", "tracking_number", "label_cost", "updated_at"])
    return_step_record(
        ticket=case.ticket,
        rma=case.rma,
        step="label_sent",
        by=by,
        note=f"{carrier} {tracking_number}".strip(),
    )
    step_email(by=by, case=case, step="label_sent")
    return case


@transaction.atomic
def mark_in_transit(*, by: User, case: ReturnCase, note: str = "") -> ReturnCase:
    act_require(by)
    case = locked(case)
    _require_state(case, State.LABEL_SENT)
    case.state = State.IN_TRANSIT
    case.save(update_fields=["state", "updated_at"])
    return_step_record(ticket=case.ticket, rma=case.rma, step="in_transit", by=by, note=note)
    return case


@transaction.atomic
def mark_received(*, by: User, case: ReturnCase, note: str = "") -> ReturnCase:
    """The warehouse checked the parcel in (from label sent or in transit: a parcel may
    arrive before its first scan)."""
    act_require(by)
    case = locked(case)
    _require_state(case, State.LABEL_SENT, State.IN_TRANSIT, State.APPROVED)
    case.state = State.RECEIVED
    case.save(update_fields=["state", "updated_at"])
    return_step_record(ticket=case.ticket, rma=case.rma, step="received", by=by, note=note)
    step_email(by=by, case=case, step="received", note=note)
    return case


@transaction.atomic
def inspect(*, by: User, case: ReturnCase, results: dict[int, tuple[str, str]]) -> ReturnCase:
    """QC per line: `results` maps each return line's id to (result, note); every line gets
    one."""
    act_require(by)
    case = locked(case)
    _require_state(case, State.RECEIVED)
    lines = list(case.lines.select_related("order_line"))
    missing = [line.order_line.sku for line in lines if line.pk not in results]
    if missing:
        raise ValidationError(
            _("no QC result for %(lines)s") % {"lines": ", ".join(missing)}, field="results"
        )
    unknown = set(results) - {line.pk for line in lines}
    if unknown:
        raise ValidationError(f"line {min(unknown)} is not a line of {case.rma}", field="results")
    valid = [v for v in QcResult.values if v]
    words = []
    for line in lines:
        result, qc_note = results[line.pk]
        if result not in valid:
            raise ValidationError(f"QC result must be one of {', '.join(valid)}", field="results")
        line.qc_result, line.qc_note = result, qc_note.strip()[:500]
        words.append(
            f"{line.order_line.sku}: {result}" + (f" ({line.qc_note})" if line.qc_note else "")
        )
    ReturnLine.objects.bulk_update(lines, ["qc_result", "qc_note"])
    case.state = State.INSPECTED
    case.save(update_fields=["state", "updated_at"])
    return_step_record(
        ticket=case.ticket, rma=case.rma, step="inspected", by=by, note="; ".join(words)
    )
    step_email(by=by, case=case, step="inspected")
    return case


@transaction.atomic
def retention_offer(*, by: User, case: ReturnCase, percent: Decimal) -> ReturnCase:
    """Offer the buyer to keep the goods with `percent` of their value refunded."""
    act_require(by)
    if not Decimal(0) < percent < Decimal(100):
        raise ValidationError(_("the offer is a percentage above 0 and below 100"), field="percent")
    case = locked(case)
    _require_state(case, State.REQUESTED, State.APPROVED)
    if case.retention == Retention.OFFERED:
        raise Conflict(
            _("return %(rma)s has an offer waiting for the buyer's answer") % {"rma": case.rma}
        )
    case.retention, case.retention_percent = Retention.OFFERED, percent
    case.save(update_fields=["retention", "retention_percent", "updated_at"])
    amount = money(case_value(case) * percent / 100)
    return_step_record(
        ticket=case.ticket,
        rma=case.rma,
        step="retention_offered",
        by=by,
        amount=amount,
        currency=case.order.currency,
        note=f"keep the goods with {percent}% refunded",
    )
    step_email(by=by, case=case, step="retention_offered", amount=amount)
    return case


@transaction.atomic
def retention_answer(*, by: User, case: ReturnCase, accepted: bool, note: str = "") -> ReturnCase:
    """The buyer's answer. Accepted: the partial refund follows (`refunds.refund_issue` with
    the `kept_partial_refund` resolution) and records the outcome; declined: the return goes
    on."""
    act_require(by)
    case = locked(case)
    if case.retention != Retention.OFFERED:
        raise Conflict(f"return {case.rma} has no offer waiting for an answer")
    case.retention = Retention.ACCEPTED if accepted else Retention.DECLINED
    case.save(update_fields=["retention", "updated_at"])
    return_step_record(
        ticket=case.ticket,
        rma=case.rma,
        step="retention_answered",
        by=by,
        note=("accepted" if accepted else "declined") + (f": {note}" if note else ""),
    )
    return case


def retention_amount(case: ReturnCase) -> Decimal:
    if case.retention_percent is None:
        raise Conflict(f"return {case.rma} has no retention offer")
    return money(case_value(case) * case.retention_percent / 100)


@transaction.atomic
def case_resolve(*, by: User, case: ReturnCase, resolution: str, note: str = "") -> ReturnCase:
    """A resolution without money: exchange shipped, reship, kept without refund, or the
    buyer withdrew. Refunds resolve through `refunds.refund_issue`."""
    act_require(by)
    allowed = (
        Resolution.EXCHANGE,
        Resolution.RESHIP,
        Resolution.KEPT_NO_REFUND,
        Resolution.WITHDRAWN,
    )
    if resolution not in allowed:
        raise ValidationError(
            f"resolution must be one of {', '.join(allowed)} (refunds go through the refund step)",
            field="resolution",
        )
    case = locked(case)
    if resolution == Resolution.WITHDRAWN:
        _require_state(case, *[s for s in OPEN_STATES if s != State.REFUND_FAILED])
    elif resolution == Resolution.KEPT_NO_REFUND:
        _require_state(case, State.REQUESTED, State.APPROVED)
    else:
        _require_state(case, State.APPROVED, State.RECEIVED, State.INSPECTED)
    case = resolve_write(by=by, case=case, resolution=resolution, note=note)
    step_email(by=by, case=case, step="resolved", note=note)
    return case


def resolve_write(
    *,
    by: User,
    case: ReturnCase,
    resolution: str,
    note: str = "",
    amount: Decimal | None = None,
    refund_id: str = "",
) -> ReturnCase:
    """The case resolved (the caller holds its lock): the `resolved` step and the `return`
    event with the contract's outcome, in one change."""
    case.state, case.resolution = State.RESOLVED, resolution
    case.save(update_fields=["state", "resolution", "updated_at"])
    return_step_record(
        ticket=case.ticket,
        rma=case.rma,
        step="resolved",
        by=by,
        note=f"{resolution} {note}".strip(),
        amount=amount,
        currency=case.order.currency if amount is not None else "",
        refund_id=refund_id,
        outcome=RESOLUTION_OUTCOME[Resolution(resolution)],
    )
    return case
