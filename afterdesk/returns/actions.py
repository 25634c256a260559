"""One dispatcher from a step's name to its service, shared by the API and the pages, so both
accept the same steps with the same fields (docs/returns.md, "Pages and API")."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.returns.models import Refund, ReturnCase
from afterdesk.returns.services import cases, refunds

ACTIONS = (
    "approve",
    "reject",
    "label",
    "in_transit",
    "receive",
    "inspect",
    "offer",
    "answer",
    "refund",
    "resolve",
    "confirm_refund",
)


@dataclass
class Action:
    action: str
    note: str = ""
    carrier: str = ""
    tracking_number: str = ""
    label_cost: Decimal | None = None
    qc: dict[int, str] = field(default_factory=dict)
    qc_notes: dict[int, str] = field(default_factory=dict)
    percent: Decimal | None = None
    accepted: bool | None = None
    amount: Decimal | None = None
    resolution: str = ""
    refund_id: int | None = None
    platform_refund_id: str = ""


def _need(value: object, name: str) -> None:
    if value is None or value == "":
        raise ValidationError(f"{name} is required for this step", field=name)


def _decimal(value: Decimal | None, name: str) -> Decimal:
    if value is None:
        raise ValidationError(f"{name} is required for this step", field=name)
    return value


def case_act(*, by: User, case: ReturnCase, act: Action) -> ReturnCase:
    name = act.action
    if name == "approve":
        return cases.case_approve(by=by, case=case, note=act.note)
    if name == "reject":
        return cases.case_reject(by=by, case=case, note=act.note)
    if name == "label":
        return cases.label_send(
            by=by,
            case=case,
            carrier=act.carrier,
            tracking_number=act.tracking_number,
            cost=act.label_cost,
        )
    if name == "in_transit":
        return cases.mark_in_transit(by=by, case=case, note=act.note)
    if name == "receive":
        return cases.mark_received(by=by, case=case, note=act.note)
    if name == "inspect":
        results = {
            line_id: (result, act.qc_notes.get(line_id, "")) for line_id, result in act.qc.items()
        }
        return cases.inspect(by=by, case=case, results=results)
    if name == "offer":
        percent = _decimal(act.percent, "percent")
        return cases.retention_offer(by=by, case=case, percent=percent)
    if name == "answer":
        _need(act.accepted, "accepted")
        return cases.retention_answer(by=by, case=case, accepted=bool(act.accepted), note=act.note)
    if name == "refund":
        amount = _decimal(act.amount, "amount")
        _need(act.resolution, "resolution")
        return refunds.refund_issue(
            by=by, case=case, amount=amount, resolution=act.resolution, note=act.note
        ).case
    if name == "resolve":
        return cases.case_resolve(by=by, case=case, resolution=act.resolution, note=act.note)
    if name == "confirm_refund":
        refund = (
            Refund.objects.filter(case=case, pk=act.refund_id).first()
            if act.refund_id is not None
            else None
        )
        if refund is None:
            raise NotFound(_("no such refund of this return"))
        return refunds.refund_manual_confirm(
            by=by, refund=refund, platform_refund_id=act.platform_refund_id, note=act.note
        ).case
    raise ValidationError(f"action must be one of {', '.join(ACTIONS)}", field="action")
