"""Return analytics: returned of ordered per SKU and market, reasons, refunded amounts, the
SKUs returned most for size or quality, the CSV; supervisors and admins only."""

from __future__ import annotations

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.returns.services.cases import LineIn, case_create, case_reject
from afterdesk.returns.services.refunds import refund_issue
from afterdesk.tickets.models import Ticket
from tests.returns.test_refunds import inspected_case

pytestmark = pytest.mark.django_db


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
    page = client.get("/returns/analytics/").content.decode()
    assert page.count('class="sku-row"') == 1
    assert "50%" in page  # 1 of 2 mugs
    csv_text = client.get("/returns/analytics/?format=csv").content.decode()
    lines = csv_text.splitlines()
    assert lines[0].startswith("sku,market,ordered,returned,return_rate,refunded,size_issue")
    assert lines[1].startswith("MUG-1,DE,2,1,0.5000,20.00,0,1,")
    client.force_login(agent)
    assert client.get("/returns/analytics/").status_code == 403
