"""Return analytics over a period (docs/returns.md, "Analytics"): the return rate (returned
units of the units sold in the period) by SKU, product, market and supplier, "—" when nothing
was sold, the period's default (the last complete month) and a bad period refused."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.returns.analytics import last_complete_month
from afterdesk.returns.models import SkuSupplier
from afterdesk.returns.services.cases import LineIn, case_create
from afterdesk.tickets.models import Ticket
from tests.factories import OrderFactory, OrderLineFactory
from tests.returns.conftest import ticket_of

pytestmark = pytest.mark.django_db
URL = "/returns/analytics/"


def _return(by: User, ticket: Ticket, order: Order, sku: str, reason: str) -> None:
    case_create(
        by=by,
        ticket=ticket,
        order=order,
        lines=[LineIn(order.lines.get(sku=sku).pk, 1)],
        reason=reason,
        requested_resolution="refund",
    )


@pytest.fixture
def sales(
    agent: User,
    team: Team,
    shop_ticket: Ticket,
    shop_order: Order,
    amazon_order: Order,
    amazon_ticket: Ticket,
) -> str:
    """DE: 3 × MUG-1 (one returned, size), 1 × SHIP, 3 × TEE-S in the period, and a CAP-1
    returned now of an order placed 60 days ago (nothing sold in the period); US: 2 × SHIRT-M
    (one returned, quality). Returns the period's query."""
    now = timezone.now()
    more = OrderFactory(store=shop_order.store, placed_at=now - timedelta(days=2), currency="EUR")
    OrderLineFactory(order=more, sku="MUG-1", title="Mug", quantity=1, unit_price=Decimal(20))
    OrderLineFactory(order=more, sku="TEE-S", title="Tee", quantity=3, unit_price=Decimal(9))
    old = OrderFactory(store=shop_order.store, placed_at=now - timedelta(days=60), currency="EUR")
    OrderLineFactory(order=old, sku="CAP-1", title="Cap", quantity=1, unit_price=Decimal(15))
    _return(agent, shop_ticket, shop_order, "MUG-1", "size_issue")
    _return(agent, amazon_ticket, amazon_order, "SHIRT-M", "quality_issue")
    _return(agent, ticket_of(old, team), old, "CAP-1", "other")
    SkuSupplier.objects.create(sku="MUG-1", supplier="Yiwu Goods")
    SkuSupplier.objects.create(sku="TEE-S", supplier="Yiwu Goods")
    SkuSupplier.objects.create(sku="SHIRT-M", supplier="Hangzhou Textiles")
    today = timezone.localdate()
    return f"from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"


def _csv(client: Client, query: str, name: str) -> list[str]:
    response = client.get(f"{URL}?{query}&format={name}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return response.content.decode().splitlines()


def test_the_return_rate_by_sku_product_market_and_supplier(
    supervisor: User, sales: str, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(supervisor)
    sku = _csv(client, sales, "csv")
    assert [row.split(",")[:6] for row in sku[1:]] == [
        ["CAP-1", "DE", "Cap", "0", "1", ""],  # nothing sold in the period: no rate
        ["MUG-1", "DE", "Mug", "3", "1", "0.3333"],
        ["SHIRT-M", "US", "Linen shirt", "2", "1", "0.5000"],
    ]
    market = _csv(client, sales, "market_csv")
    assert market[0].startswith("market,ordered,returned,return_rate,refunded,")
    # DE sold 3 mugs, 1 shipping line and 3 tees: 2 of 7 returned
    assert [row.split(",")[:4] for row in market[1:]] == [
        ["DE", "7", "2", "0.2857"],
        ["US", "2", "1", "0.5000"],
    ]
    supplier = _csv(client, sales, "supplier_csv")
    assert [row.split(",")[:4] for row in supplier[1:]] == [
        ["", "1", "1", "1.0000"],  # SHIP sold, CAP-1 returned: neither has a supplier
        ["Hangzhou Textiles", "2", "1", "0.5000"],
        ["Yiwu Goods", "6", "1", "0.1667"],
    ]
    head = supplier[0].split(",")
    yiwu = dict(zip(head, supplier[3].split(","), strict=True))
    assert (yiwu["size_issue"], yiwu["quality_issue"]) == ("1", "0")
    product = _csv(client, sales, "product_csv")
    assert [row.split(",")[:4] for row in product[1:]] == [
        ["Cap", "0", "1", ""],
        ["Linen shirt", "2", "1", "0.5000"],
        ["Mug", "3", "1", "0.3333"],
    ]
    client.get(f"{URL}?{sales}")
    # session, user, return lines + refunds + cases' lines + their order lines, sold in the
    # period, suppliers, tickets by issue, titles
    with django_assert_num_queries(10):
        page = client.get(f"{URL}?{sales}").content.decode()
    assert page.count('class="supplier-row"') == 3
    for rate in ("28.6%", "33.3%", "16.7%"):
        assert rate in page
    assert "No supplier" in page
    assert "format=supplier_csv" in page


def test_a_supplier_named_like_a_formula_is_text_in_the_csv(supervisor: User, sales: str) -> None:
    SkuSupplier.objects.filter(sku="SHIRT-M").update(supplier="=HYPERLINK(1)")
    client = Client()
    client.force_login(supervisor)
    rows = _csv(client, sales, "supplier_csv")
    assert "'=HYPERLINK(1),2,1,0.5000," in "\n".join(rows)


def test_the_default_period_is_the_last_complete_month(supervisor: User, sales: str) -> None:
    assert last_complete_month(date(2026, 3, 15)).start == date(2026, 2, 1)
    assert last_complete_month(date(2026, 3, 15)).end == date(2026, 2, 28)
    assert last_complete_month(date(2026, 1, 1)).start == date(2025, 12, 1)
    client = Client()
    client.force_login(supervisor)
    period = last_complete_month(timezone.localdate())
    page = client.get(URL).content.decode()
    assert f'value="{period.start.isoformat()}"' in page
    assert page.count('class="sku-row"') == 0  # this month's returns are not in it
    assert _csv(client, "", "supplier_csv")[1:] == []


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01&to=2026-12-31", "from=2026-05-01&to=2026-04-30", "from=x"],
)
def test_a_bad_period_is_a_form_error(supervisor: User, agent: User, query: str) -> None:
    client = Client()
    client.force_login(supervisor)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert 'id="analytics-error"' in response.content.decode()
    client.force_login(agent)
    assert client.get(f"{URL}?{query}&format=supplier_csv").status_code == 403
