"""Fixtures of the return tests: a ticket with a Shopify order synced from the local Shopify
server of tests/stores (so refunds go through the real client), and one on Amazon."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from afterdesk.accounts.models import Role, Team, User
from afterdesk.commerce.models import Order, Platform
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.sources import PRIVATE_HOSTS_ENV
from afterdesk.tickets import services as ticket_services
from afterdesk.tickets.models import Ticket
from tests.factories import OrderFactory, OrderLineFactory, StoreFactory, UserFactory
from tests.stores.servers import SHOPIFY_TOKEN, ShopifyServer, running_shopify, shopify_order


@pytest.fixture(autouse=True)
def _local_stores_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")


@pytest.fixture
def shopify_server() -> Iterator[ShopifyServer]:
    with running_shopify() as server:
        yield server


@pytest.fixture
def shopify_connection(shopify_server: ShopifyServer) -> StoreConnection:
    recent = (timezone.now() - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    node = shopify_order(1)
    node["createdAt"] = recent
    shopify_server.orders = [node]
    connection = connection_save(
        ConnectionInput(
            platform="shopify",
            name="Mugs DE",
            base_url=shopify_server.url,
            access_token=SHOPIFY_TOKEN,
            webhook_secret="secret",
            market="DE",
        )
    )
    connection_sync(connection, sleep=lambda seconds: None)
    return connection


@pytest.fixture
def shop_order(shopify_connection: StoreConnection) -> Order:
    """#1: 2 × MUG-1 at 24.95 and 1 × SHIP at 10.00, total 59.90 EUR, placed 3 days ago."""
    return Order.objects.get(number="#1")


def ticket_of(order: Order, team: Team) -> Ticket:
    ticket = ticket_services.ticket_create(
        subject=f"Return for {order.number}",
        channel="email",
        body="The mug is too small, I want my money back",
        store=order.store,
        orders=[order],
        external_id=f"T-{order.pk}-{Ticket.objects.count()}",
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket


@pytest.fixture
def shop_ticket(shop_order: Order, team: Team) -> Ticket:
    return ticket_of(shop_order, team)


@pytest.fixture
def amazon_order() -> Order:
    store = StoreFactory(platform=Platform.AMAZON, market="US", code="amz-us")
    order = OrderFactory(
        store=store,
        number="302-1234567-1234567",
        total=Decimal("80.00"),
        currency="USD",
        placed_at=timezone.now() - timedelta(days=5),
    )
    OrderLineFactory(order=order, sku="SHIRT-M", quantity=2, unit_price=Decimal("40.00"))
    return order


@pytest.fixture
def amazon_ticket(amazon_order: Order, team: Team) -> Ticket:
    return ticket_of(amazon_order, team)


@pytest.fixture
def limited_agent(team: Team) -> User:
    """An agent with a 20 EUR approval limit."""
    from afterdesk.routing.models import AgentRouting

    user = UserFactory(username="lim", role=Role.AGENT, teams=[team])
    AgentRouting.objects.create(user=user, approval_limit=Decimal("20.00"), approval_currency="EUR")
    return user
