"""Return analytics: returned of ordered per SKU and market, reasons, refunded amounts and
label costs, the SKUs returned most for size or quality, the CSV; tickets by SKU and issue
type for every ticket; supervisors and admins only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.returns.services.cases import (
    LineIn,
    case_approve,
    case_create,
    case_reject,
    inspect,
    label_send,
    mark_received,
)
from afterdesk.returns.services.refunds import refund_issue
from afterdesk.tickets.models import Ticket
from tests.factories import OrderFactory, OrderLineFactory
from tests.returns.conftest import ticket_of
from tests.returns.test_refunds import inspected_case

pytestmark = pytest.mark.django_db


def recent() -> str:
    """The last 30 days: the fixtures' orders are placed days ago, their returns today."""
    today = timezone.localdate()
    return f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"


def test_returns_by_sku_and_the_csv(
    agent: User, supervisor: User, shop_ticket: Ticket, shop_order: Order, shopify_server: object
) -> None:
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1")  # quality_issue
    refund_issue(by=agent, case=case, amount="20.00", resolution="partial_refund")
    rejected = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="SHIP").pk, 1)],
        reason="other",
        requested_resolution="refund",
    )
    case_reject(by=agent, case=rejected, note="shipping is not returned")
    client = Client()
    client.force_login(supervisor)
    page = client.get(f"/returns/analytics/?{recent()}").content.decode()
    assert page.count('class="sku-row"') == 1
    assert "50.0%" in page  # 1 of 2 mugs
    csv_text = client.get(f"/returns/analytics/?{recent()}&format=csv").content.decode()
    lines = csv_text.splitlines()
    assert lines[0].startswith(
        "sku,market,product,ordered,returned,return_rate,refunded,return_shipping,cost,size_issue"
    )
    assert lines[1].startswith("MUG-1,DE,Mug,2,1,0.5000,20.00,0.00,20.00,0,1,")
    client.force_login(agent)
    assert client.get(f"/returns/analytics/?{recent()}").status_code == 403


def test_the_cost_of_returns_adds_the_label_shared_by_value(
    agent: User,
    supervisor: User,
    shop_ticket: Ticket,
    shop_order: Order,
    shopify_server: object,
    django_assert_num_queries: Any,
) -> None:
    case = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(line.pk, 1) for line in shop_order.lines.all()],  # 24.95 + 10.00
        reason="size_issue",
        requested_resolution="refund",
    )
    case = case_approve(by=agent, case=case)
    with pytest.raises(ValidationError, match="the label's cost must be from 0 to 10000"):
        label_send(by=agent, case=case, carrier="DHL", tracking_number="RT1", cost=Decimal(-1))
    case = label_send(
        by=agent, case=case, carrier="DHL", tracking_number="RT1", cost=Decimal("6.99")
    )
    case = mark_received(by=agent, case=case)
    case = inspect(
        by=agent, case=case, results={ln.pk: ("resellable", "") for ln in case.lines.all()}
    )
    refund_issue(by=agent, case=case, amount="34.95", resolution="refund")
    client = Client()
    client.force_login(supervisor)
    client.get(f"/returns/analytics/?{recent()}")
    # session, user, return lines + cases' refunds + cases' lines + their order lines,
    # sold in the period, suppliers, tickets by issue, titles: the same for any number of returns
    with django_assert_num_queries(10):
        assert client.get(f"/returns/analytics/?{recent()}").status_code == 200
    text = client.get(f"/returns/analytics/?{recent()}&format=csv").content.decode()
    rows = text.splitlines()[1:]
    mug = next(row for row in rows if row.startswith("MUG-1,"))
    ship = next(row for row in rows if row.startswith("SHIP,"))
    # 24.95 of 34.95 is the mug's share: 71.39 % of the 6.99 label, the rest the shipping line's
    assert ",24.95,4.99,29.94," in mug
    assert ",10.00,2.00,12.00," in ship


def test_tickets_by_sku_and_issue_type_for_every_ticket(
    agent: User,
    supervisor: User,
    shop_ticket: Ticket,
    shop_order: Order,
    team: Any,
    django_assert_num_queries: Any,
) -> None:
    Ticket.objects.filter(pk=shop_ticket.pk).update(category="size_issue")
    other = ticket_of(shop_order, team)
    Ticket.objects.filter(pk=other.pk).update(category="not_received")
    order = OrderFactory(store=shop_order.store)
    OrderLineFactory(order=order, sku="MUG-1", title="Mug")
    third = ticket_of(order, team)
    Ticket.objects.filter(pk=third.pk).update(category="size_issue")
    client = Client()
    client.force_login(supervisor)
    client.get(f"/returns/analytics/?{recent()}")
    # session, user, return lines (none: no prefetch), sold in the period, suppliers, tickets by
    # issue, titles
    with django_assert_num_queries(7):
        page = client.get(f"/returns/analytics/?{recent()}").content.decode()
    assert page.count('class="issue-row"') == 2  # MUG-1 and SHIP in DE
    text = client.get(f"/returns/analytics/?{recent()}&format=issues_csv").content.decode()
    rows = text.splitlines()
    assert rows[0].startswith("sku,market,product,tickets,not_received,size_issue,")
    assert rows[1].startswith("MUG-1,DE,Mug,3,1,2,")
    assert rows[2].startswith("SHIP,DE,")
    client.force_login(agent)
    assert client.get(f"/returns/analytics/?{recent()}&format=issues_csv").status_code == 403
