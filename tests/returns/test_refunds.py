"""Refunds: the refundable balance, one refund per line, Shopify and WooCommerce through their
clients against the local platform servers (the platform's refund id stored), a platform
failure leaving `refund_failed` with the error and a retry, marketplace refunds confirmed by
hand with a reminder, and approvals above the agent's limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.returns.models import Refund, RefundedLine, RefundState, ReturnCase, State
from afterdesk.returns.services.cases import (
    LineIn,
    case_approve,
    case_create,
    inspect,
    mark_received,
)
from afterdesk.returns.services.refunds import (
    manual_refund_reminders,
    refund_issue,
    refund_manual_confirm,
    refundable_balance,
)
from afterdesk.routing.approvals import approval_decide
from afterdesk.routing.models import ApprovalRequest
from afterdesk.stores.models import OrderLink
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.services.sync import connection_sync
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.returns.conftest import ticket_of
from tests.returns.woo_refunds import WooRefundServer, running_woocommerce_refunds
from tests.stores.servers import WOO_KEY, WOO_SECRET, ShopifyServer, woo_order

pytestmark = pytest.mark.django_db


def inspected_case(
    by: User, ticket: Ticket, order: Order, sku: str, quantity: int = 1
) -> ReturnCase:
    case = case_create(
        by=by,
        ticket=ticket,
        order=order,
        lines=[LineIn(order.lines.get(sku=sku).pk, quantity)],
        reason="quality_issue",
        requested_resolution="refund",
    )
    case = mark_received(by=by, case=case_approve(by=by, case=case))
    return inspect(
        by=by, case=case, results={line.pk: ("damaged", "") for line in case.lines.all()}
    )


def test_a_shopify_refund_goes_through_the_client_once_and_resolves_the_case(
    agent: User, shop_ticket: Ticket, shop_order: Order, shopify_server: ShopifyServer
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1", 2)
    outcome = refund_issue(by=agent, case=case, amount="49.90", resolution="refund")
    refund = outcome.refund
    assert refund is not None
    assert refund.state == RefundState.SUCCEEDED
    assert refund.platform_refund_id == "gid://shopify/Refund/1"
    assert len(shopify_server.refunds) == 1
    sent = shopify_server.refunds[0]
    assert sent["orderId"] == "gid://shopify/Order/5000001"
    assert sent["transactions"][0]["amount"] == "49.90"
    assert case.rma in sent["note"]
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert TicketEvent.objects.get(ticket=shop_ticket, kind="return").fields == {
        "outcome": "return_refund",
        "amount": 49.9,
        "currency": "EUR",
    }
    steps = TicketEvent.objects.filter(ticket=shop_ticket, kind="return_step")
    assert [e.subtype for e in steps][-2:] == ["refunded", "resolved"]
    # counted on the order once: the platform's webhook of the same refund adds nothing
    link = OrderLink.objects.get(order=shop_order)
    assert link.refund_ids == ["1"]
    assert link.refunded_total == Decimal("49.90")
    assert refundable_balance(shop_order) == Decimal("10.00")
    # the same refund again is refused; the platform is not called
    with pytest.raises(Conflict, match="is resolved"):
        refund_issue(by=agent, case=case, amount="49.90", resolution="refund")
    assert len(shopify_server.refunds) == 1


def test_more_than_the_refundable_balance_is_refused_with_the_balance(
    agent: User, shop_ticket: Ticket, shop_order: Order, shopify_server: ShopifyServer
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")
    with pytest.raises(
        ValidationError, match=r"more than the order's refundable balance of 59\.90 EUR"
    ):
        refund_issue(by=agent, case=case, amount="60.00", resolution="refund")
    refund_issue(by=agent, case=case, amount="55.00", resolution="refund")
    other = inspected_case(agent, shop_ticket, shop_order, "SHIP")
    with pytest.raises(ValidationError, match=r"balance of 4\.90 EUR"):
        refund_issue(by=agent, case=other, amount="10.00", resolution="refund")
    assert shopify_server.refunds
    assert len(shopify_server.refunds) == 1
    assert Refund.objects.count() == 1


def test_a_platform_failure_is_refund_failed_with_the_error_and_a_retry_succeeds(
    agent: User, shop_ticket: Ticket, shop_order: Order, shopify_server: ShopifyServer
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")
    shopify_server.refund_user_errors = [{"field": ["amount"], "message": "Amount is invalid"}]
    outcome = refund_issue(by=agent, case=case, amount="24.95", resolution="refund")
    assert outcome.refund is not None
    assert outcome.refund.state == RefundState.FAILED
    assert "Amount is invalid" in outcome.refund.error
    case.refresh_from_db()
    assert case.state == State.REFUND_FAILED
    failed = TicketEvent.objects.get(kind="return_step", subtype="refund_failed")
    assert "Amount is invalid" in failed.fields["error"]
    assert not TicketEvent.objects.filter(kind="return").exists()
    assert refundable_balance(shop_order) == Decimal("59.90")
    assert RefundedLine.objects.get().released
    shopify_server.refund_user_errors = []
    retried = refund_issue(by=agent, case=case, amount="24.95", resolution="refund")
    assert retried.refund is not None
    assert retried.refund.state == RefundState.SUCCEEDED
    assert TicketEvent.objects.get(kind="return").subtype == "return_refund"


def test_an_unreachable_platform_is_a_failure_too(
    agent: User, shop_ticket: Ticket, shop_order: Order, shopify_server: ShopifyServer
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")
    # the mutation (the second request) is sent once: a lost answer is not sent again
    shopify_server.error_requests = {len(shopify_server.requests) + 2: 503}
    outcome = refund_issue(by=agent, case=case, amount="24.95", resolution="refund")
    assert outcome.refund is not None
    assert outcome.refund.state == RefundState.FAILED
    assert "503" in outcome.refund.error


@pytest.fixture
def woo_server() -> Iterator[WooRefundServer]:
    with running_woocommerce_refunds() as server:
        yield server


@pytest.fixture
def woo_order_synced(woo_server: WooRefundServer) -> Order:
    node = woo_order(42)
    node["date_created_gmt"] = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S")
    woo_server.orders = [node]
    connection = connection_save(
        ConnectionInput(
            platform="woocommerce",
            name="Tea US",
            base_url=woo_server.url,
            consumer_key=WOO_KEY,
            consumer_secret=WOO_SECRET,
            webhook_secret="s",
        )
    )
    connection_sync(connection, sleep=lambda seconds: None)
    return OrderLink.objects.get(connection=connection).order


def test_a_woocommerce_refund_goes_through_its_rest_api(
    agent: User, team: Team, woo_order_synced: Order, woo_server: WooRefundServer
) -> None:
    ticket = ticket_of(woo_order_synced, team)
    line = woo_order_synced.lines.first()
    assert line is not None
    case = inspected_case(agent, ticket, woo_order_synced, line.sku)
    amount = line.unit_price
    outcome = refund_issue(by=agent, case=case, amount=amount, resolution="refund")
    assert outcome.refund is not None
    assert outcome.refund.state == RefundState.SUCCEEDED
    assert outcome.refund.platform_refund_id == "701"
    assert woo_server.refunds == [
        {
            "order": int(OrderLink.objects.get(order=woo_order_synced).external_id),
            "amount": str(amount),
            "reason": f"Return {case.rma}",
            "api_refund": True,
        }
    ]


def test_a_woocommerce_refusal_keeps_its_message(
    agent: User, team: Team, woo_order_synced: Order, woo_server: WooRefundServer
) -> None:
    ticket = ticket_of(woo_order_synced, team)
    line = woo_order_synced.lines.first()
    assert line is not None
    case = inspected_case(agent, ticket, woo_order_synced, line.sku)
    woo_server.refund_error = "Refund failed: the gateway declined"
    outcome = refund_issue(by=agent, case=case, amount="1.00", resolution="refund")
    assert outcome.refund is not None
    assert "the gateway declined" in outcome.refund.error


def test_a_marketplace_refund_is_confirmed_by_hand_with_a_reminder(
    agent: User, amazon_ticket: Ticket, amazon_order: Order
) -> None:
    case = inspected_case(agent, amazon_ticket, amazon_order, "SHIRT-M")
    outcome = refund_issue(by=agent, case=case, amount="40.00", resolution="refund")
    refund = outcome.refund
    assert refund is not None
    assert refund.state == RefundState.MANUAL_DUE
    assert outcome.case.state == State.REFUNDING
    assert refundable_balance(amazon_order) == Decimal("40.00")  # held while due
    assert manual_refund_reminders(now=timezone.now()) == []
    later = timezone.now() + timedelta(hours=25)
    assert manual_refund_reminders(now=later) == [refund]
    assert manual_refund_reminders(now=later + timedelta(hours=1)) == []
    notes = TicketEvent.objects.filter(kind="return_step", subtype="manual_refund_due")
    assert [e.fields["note"].startswith("reminder") for e in notes] == [False, True]
    with pytest.raises(ValidationError):
        refund_manual_confirm(by=agent, refund=refund, platform_refund_id=" ")
    done = refund_manual_confirm(by=agent, refund=refund, platform_refund_id="AMZ-R-1")
    assert done.case.state == State.RESOLVED
    assert TicketEvent.objects.get(kind="return").subtype == "return_refund"
    with pytest.raises(Conflict):
        refund_manual_confirm(by=agent, refund=refund, platform_refund_id="AMZ-R-1")


def test_a_refund_above_the_agents_limit_waits_for_a_supervisor(
    limited_agent: User,
    supervisor: User,
    shop_ticket: Ticket,
    shop_order: Order,
    shopify_server: ShopifyServer,
) -> None:
    case = inspected_case(supervisor, shop_ticket, shop_order, "SHIP")  # 10 EUR: approved
    outcome = refund_issue(by=limited_agent, case=case, amount="10.00", resolution="refund")
    assert outcome.refund is not None  # within the 20 EUR limit
    big = inspected_case(supervisor, shop_ticket, shop_order, "MUG-1", 2)
    waiting = refund_issue(by=limited_agent, case=big, amount="49.90", resolution="refund")
    assert waiting.waiting_approval
    assert waiting.refund is None
    assert len(shopify_server.refunds) == 1
    with pytest.raises(Conflict, match="waits for a supervisor"):
        refund_issue(by=limited_agent, case=big, amount="49.90", resolution="refund")
    approval_decide(by=supervisor, request_id=ApprovalRequest.objects.get().pk, approve=True)
    done = refund_issue(by=limited_agent, case=big, amount="49.90", resolution="refund")
    assert done.refund is not None
    assert done.refund.state == RefundState.SUCCEEDED
    assert len(shopify_server.refunds) == 2
