"""The steps of a return case, each a `return_step` event on the ticket; the policy check and
the supervisor's override; approvals above an agent's limit; the retention offer and its
`return` outcome moving `return_retention_rate`."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.templates import default_template
from afterdesk.returns.models import Resolution, ReturnPolicy, State
from afterdesk.returns.services.cases import (
    LineIn,
    case_approve,
    case_create,
    case_resolve,
    inspect,
    label_send,
    mark_in_transit,
    mark_received,
    retention_answer,
    retention_offer,
)
from afterdesk.returns.services.refunds import refund_issue
from afterdesk.routing.approvals import approval_decide
from afterdesk.routing.models import ApprovalRequest
from afterdesk.tickets import services as ticket_services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.returns.conftest import ticket_of

pytestmark = pytest.mark.django_db


def _mug(order: Order) -> int:
    return order.lines.get(sku="MUG-1").pk


def _steps(ticket: Ticket) -> list[str]:
    return [e.subtype for e in TicketEvent.objects.filter(ticket=ticket, kind="return_step")]


def _open(by: User, ticket: Ticket, order: Order, **extra: object):  # type: ignore[no-untyped-def]
    return case_create(
        by=by,
        ticket=ticket,
        order=order,
        lines=[LineIn(_mug(order), 1)],
        reason="size_issue",
        requested_resolution="refund",
        **extra,  # type: ignore[arg-type]
    )


def test_the_steps_from_request_to_inspection_each_write_an_event(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = _open(agent, shop_ticket, shop_order)
    assert case.rma.startswith("RMA-")
    assert case.state == State.REQUESTED
    case = case_approve(by=agent, case=case)
    case = label_send(by=agent, case=case, carrier="DHL", tracking_number="JJD000123")
    case = mark_in_transit(by=agent, case=case)
    case = mark_received(by=agent, case=case)
    line = case.lines.get()
    case = inspect(by=agent, case=case, results={line.pk: ("resellable", "sealed")})
    assert case.state == State.INSPECTED
    assert _steps(shop_ticket) == [
        "requested",
        "approved",
        "label_sent",
        "in_transit",
        "received",
        "inspected",
    ]
    event = TicketEvent.objects.filter(kind="return_step", subtype="inspected").get()
    assert event.fields["rma"] == case.rma
    assert "MUG-1: resellable (sealed)" in event.fields["note"]
    assert event.agent == agent
    # a step out of order is refused with the state, nothing written
    with pytest.raises(Conflict, match="is inspected"):
        label_send(by=agent, case=case, carrier="DHL", tracking_number="X")
    assert len(_steps(shop_ticket)) == 6


def test_quantities_and_lines_are_checked(
    agent: User, shop_ticket: Ticket, shop_order: Order, amazon_order: Order
) -> None:
    with pytest.raises(ValidationError, match="from 1 to 2"):
        case_create(
            by=agent,
            ticket=shop_ticket,
            order=shop_order,
            lines=[LineIn(_mug(shop_order), 3)],
            reason="size_issue",
            requested_resolution="refund",
        )
    with pytest.raises(ValidationError, match="not an order of this ticket"):
        case_create(
            by=agent,
            ticket=shop_ticket,
            order=amazon_order,
            lines=[LineIn(amazon_order.lines.get().pk, 1)],
            reason="size_issue",
            requested_resolution="refund",
        )
    _open(agent, shop_ticket, shop_order)
    _open(agent, shop_ticket, shop_order)  # the second mug
    with pytest.raises(ValidationError, match="from 1 to 0"):
        _open(agent, shop_ticket, shop_order)


def test_the_policy_refuses_with_its_reasons_and_a_supervisor_overrides_with_a_note(
    agent: User, supervisor: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    ReturnPolicy.objects.create(store=None, window_days=2, non_returnable_skus=["MUG-1"])
    with pytest.raises(ValidationError) as refused:
        _open(agent, shop_ticket, shop_order)
    assert "outside the 2-day return window" in str(refused.value)
    assert "MUG-1 (Mug) is not returnable" in str(refused.value)
    with pytest.raises(PermissionDenied):
        _open(agent, shop_ticket, shop_order, override_note="loyal buyer")
    case = _open(supervisor, shop_ticket, shop_order, override_note="loyal buyer")
    assert case.override_by == supervisor
    assert "not returnable" in case.policy_note
    assert _steps(shop_ticket) == ["requested", "policy_override"]
    # a store's own policy wins over the default
    ReturnPolicy.objects.create(store=shop_order.store, window_days=30)
    assert _open(agent, shop_ticket, shop_order).policy_note == ""


def test_an_approval_above_the_agents_limit_waits_for_a_supervisor(
    limited_agent: User, supervisor: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = _open(limited_agent, shop_ticket, shop_order)  # one mug: 24.95 EUR > 20
    case = case_approve(by=limited_agent, case=case)
    assert case.state == State.REQUESTED
    request = ApprovalRequest.objects.get()
    assert request.amount == Decimal("24.95")
    assert request.status == "pending"
    with pytest.raises(Conflict, match="waits for a supervisor"):
        case_approve(by=limited_agent, case=case)
    approval_decide(by=supervisor, request_id=request.pk, approve=True)
    case = case_approve(by=limited_agent, case=case)
    assert case.state == State.APPROVED
    assert _steps(shop_ticket) == ["requested", "approval_requested", "approved"]


def test_a_supervisor_approving_the_case_decides_the_waiting_request(
    limited_agent: User, supervisor: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = case_approve(by=limited_agent, case=_open(limited_agent, shop_ticket, shop_order))
    case_approve(by=supervisor, case=case)
    assert ApprovalRequest.objects.get().status == "approved"


def test_retention_kept_with_partial_refund_is_a_retained_outcome(
    agent: User, shop_ticket: Ticket, shop_order: Order, shopify_server: object
) -> None:
    ticket_services.ticket_assign(ticket=shop_ticket, by=agent, agent=agent)
    case = _open(agent, shop_ticket, shop_order)
    case = retention_offer(by=agent, case=case, percent=Decimal("30"))
    offered = TicketEvent.objects.get(kind="return_step", subtype="retention_offered")
    assert offered.fields["amount"] == pytest.approx(7.49)  # 30% of 24.95, rounded
    case = retention_answer(by=agent, case=case, accepted=True)
    outcome = refund_issue(by=agent, case=case, amount="7.49", resolution="kept_partial_refund")
    assert outcome.case.state == State.RESOLVED
    assert outcome.case.resolution == Resolution.KEPT_PARTIAL_REFUND
    final = TicketEvent.objects.get(ticket=shop_ticket, kind="return")
    assert final.subtype == "kept_partial_refund"
    assert final.fields == {"outcome": "kept_partial_refund", "amount": 7.49, "currency": "EUR"}


def test_a_declined_offer_goes_on_and_withdrawal_is_retained(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = retention_offer(
        by=agent, case=_open(agent, shop_ticket, shop_order), percent=Decimal(20)
    )
    with pytest.raises(Conflict, match="waiting for the buyer"):
        retention_offer(by=agent, case=case, percent=Decimal(25))
    case = retention_answer(by=agent, case=case, accepted=False)
    with pytest.raises(Conflict, match="not accepted"):
        refund_issue(by=agent, case=case, amount="5", resolution="kept_partial_refund")
    case = case_resolve(by=agent, case=case, resolution="withdrawn", note="buyer kept it")
    assert TicketEvent.objects.get(kind="return").subtype == "withdrawn"
    with pytest.raises(Conflict):
        case_resolve(by=agent, case=case, resolution="withdrawn")


def test_return_retention_rate_moves_with_the_outcome(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    ticket_services.ticket_assign(ticket=shop_ticket, by=agent, agent=agent)
    start = timezone.now() - timedelta(hours=1)

    def rate() -> object:
        values = compute_kpis(
            start=start, end=timezone.now() + timedelta(hours=1), template=default_template()
        )
        kpi = values[agent.pk]["return_retention_rate"]
        return kpi.value, kpi.n

    case = _open(agent, shop_ticket, shop_order)
    case_resolve(by=agent, case=case, resolution="kept_no_refund")
    assert rate() == (1, 1)
    other = ticket_of(shop_order, shop_ticket.team)  # type: ignore[arg-type]
    ticket_services.ticket_assign(ticket=other, by=agent, agent=agent)
    second = _open(agent, other, shop_order)
    case_resolve(by=agent, case=case_approve(by=agent, case=second), resolution="reship")
    assert rate() == (Fraction(1, 2), 2)


def test_qa_reviewers_do_not_act(qa_reviewer: User, shop_ticket: Ticket, shop_order: Order) -> None:
    with pytest.raises(PermissionDenied):
        _open(qa_reviewer, shop_ticket, shop_order)


def test_inspection_needs_a_result_for_every_line(
    agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = case_approve(by=agent, case=_open(agent, shop_ticket, shop_order))
    case = mark_received(by=agent, case=case)
    with pytest.raises(ValidationError, match="no QC result for MUG-1"):
        inspect(by=agent, case=case, results={})
    with pytest.raises(ValidationError, match="must be one of"):
        inspect(by=agent, case=case, results={case.lines.get().pk: ("shiny", "")})
    assert timezone.now() - case.created_at < timedelta(minutes=5)


def test_a_policy_is_saved_checked_and_replaced(shop_order: Order) -> None:
    from afterdesk.returns.services.policy import policy_for, policy_save

    with pytest.raises(ValidationError, match="restocking_fee_percent"):
        policy_save(
            store_id=None,
            market="",
            window_days=30,
            shipping_paid_by="buyer",
            restocking_fee_percent=Decimal(120),
            non_returnable_skus=[],
            non_returnable_categories=[],
        )
    saved = policy_save(
        store_id=shop_order.store_id,
        market="",
        window_days=14,
        shipping_paid_by="seller",
        restocking_fee_percent=Decimal(10),
        non_returnable_skus=[" GIFT-1 "],
        non_returnable_categories=["MUG"],
    )
    assert saved.non_returnable_skus == ["GIFT-1"]
    again = policy_save(
        store_id=shop_order.store_id,
        market="",
        window_days=21,
        shipping_paid_by="seller",
        restocking_fee_percent=Decimal(10),
        non_returnable_skus=[],
        non_returnable_categories=["MUG"],
    )
    assert again.pk == saved.pk
    assert policy_for(shop_order) == again
    from afterdesk.returns.services.policy import policy_check

    mug = shop_order.lines.get(sku="MUG-1")
    check = policy_check(shop_order, [(mug, 1)])
    assert check.violations == ("MUG-1 (Mug) is in the non-returnable category MUG",)
