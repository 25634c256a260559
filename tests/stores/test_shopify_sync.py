"""Shopify order sync and refunds against the local Admin GraphQL server."""

from __future__ import annotations

from decimal import Decimal

import pytest

from afterdesk.commerce.models import CustomerIdentity, Order
from afterdesk.stores.models import OrderLink, StoreConnection
from afterdesk.stores.services.connections import source_for
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.shopify import ShopifyClient
from afterdesk.stores.sources import PlatformError
from tests.stores.servers import SHOPIFY_TOKEN, ShopifyServer, shopify_order

pytestmark = pytest.mark.django_db


def test_sync_pages_through_orders_and_waits_out_a_throttled_answer(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    shopify_server.orders = [
        shopify_order(1000 + n, updated=f"2026-11-02T10:0{n}:00Z") for n in range(5)
    ]
    shopify_server.throttle_requests = {2}  # the second page's first try
    waits: list[float] = []

    result = connection_sync(shopify_connection, sleep=waits.append)

    assert result.error == ""
    assert (result.written, result.created) == (5, 5)
    # 3 pages of 2 + the throttled try again; the wait is (42 - 37) / 100 s.
    assert len(shopify_server.requests) == 4
    assert shopify_server.requests[1] == shopify_server.requests[2]
    assert shopify_server.requests[2]["variables"]["after"] == "cursor-2"
    assert waits == [pytest.approx(0.05)]
    order = Order.objects.get(store=shopify_connection.store, number="#1003")
    assert (order.total, order.currency, order.status) == (Decimal("59.90"), "EUR", "paid")
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("MUG-1", 2, Decimal("24.95")),
        ("SHIP", 1, Decimal("10.00")),
    ]
    assert order.customer is not None
    assert order.customer.name == "Ines Buyer1003"
    assert CustomerIdentity.objects.filter(
        customer=order.customer, value="buyer1003@example.com"
    ).exists()
    link = OrderLink.objects.get(order=order)
    assert link.admin_url == f"{shopify_server.url}/admin/orders/5001003"
    assert link.financial_status == "paid"
    shopify_connection.refresh_from_db()
    assert shopify_connection.last_sync_result == "5 orders (5 new)"
    assert shopify_connection.sync_watermark is not None
    assert shopify_connection.sync_watermark.isoformat() == "2026-11-02T10:04:00+00:00"


def test_the_next_sync_asks_only_for_orders_changed_since_and_updates_them(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    shopify_server.orders = [shopify_order(1001), shopify_order(1002)]
    connection_sync(shopify_connection, sleep=lambda s: None)
    shopify_server.orders[1] = shopify_order(
        1002, updated="2026-11-03T08:00:00Z", financial="REFUNDED"
    )
    shopify_server.requests.clear()

    result = connection_sync(shopify_connection, sleep=lambda s: None)

    assert shopify_server.requests[0]["variables"]["query"] == (
        "updated_at:>='2026-11-02T10:00:00+00:00'"
    )
    assert (result.written, result.created) == (2, 0)  # the watermark's own order again
    assert Order.objects.filter(store=shopify_connection.store).count() == 2
    assert Order.objects.get(number="#1002").status == Order.Status.REFUNDED


def test_a_refused_token_is_the_connections_last_error(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    client = ShopifyClient(base_url=shopify_server.url, access_token="wrong")
    with pytest.raises(PlatformError, match="refused the access token"):
        list(client.orders_since(None))
    from afterdesk.stores.services.connections import ConnectionInput, connection_save

    connection_save(
        ConnectionInput(
            platform="shopify", name="Mugs DE", base_url=shopify_server.url, access_token="wrong"
        ),
        existing=shopify_connection,
    )
    result = connection_sync(StoreConnection.objects.get(pk=shopify_connection.pk))
    assert "refused the access token" in result.error
    shopify_connection.refresh_from_db()
    assert "refused the access token" in shopify_connection.last_error
    assert shopify_connection.last_sync_result.startswith("failed after 0 orders")


def test_fetch_one_order(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    shopify_server.orders = [shopify_order(1001)]
    source = source_for(shopify_connection)
    found = source.order_fetch("5001001")
    assert found is not None
    assert found.number == "#1001"
    assert source.order_fetch("42") is None


def test_refund_create_refunds_the_orders_payment(shopify_server: ShopifyServer) -> None:
    shopify_server.orders = [shopify_order(1001)]
    client = ShopifyClient(base_url=shopify_server.url, access_token=SHOPIFY_TOKEN)

    refund = client.refund_create(
        "5001001",
        Decimal("12.50"),
        "eur",
        "damaged on arrival",
        lines=[("gid://shopify/LineItem/50010011", 1)],
    )

    assert refund["id"] == "gid://shopify/Refund/1"
    assert refund["totalRefundedSet"]["presentmentMoney"] == {
        "amount": "12.50",
        "currencyCode": "EUR",
    }
    sent = shopify_server.refunds[0]
    assert sent["orderId"] == "gid://shopify/Order/5001001"
    assert sent["note"] == "damaged on arrival"
    assert sent["transactions"] == [
        {
            "orderId": "gid://shopify/Order/5001001",
            "parentId": "gid://shopify/OrderTransaction/9001",
            "gateway": "shopify_payments",
            "kind": "REFUND",
            "amount": "12.50",
        }
    ]
    assert sent["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/50010011", "quantity": 1, "restockType": "RETURN"}
    ]


def test_refund_create_names_shopifys_user_errors(shopify_server: ShopifyServer) -> None:
    shopify_server.orders = [shopify_order(1001)]
    shopify_server.refund_user_errors = [
        {"field": ["transactions", "0", "amount"], "message": "Amount exceeds refundable"}
    ]
    client = ShopifyClient(base_url=shopify_server.url, access_token=SHOPIFY_TOKEN)
    with pytest.raises(PlatformError, match="Amount exceeds refundable"):
        client.refund_create("5001001", Decimal("500"), "EUR", "goodwill")


def test_plain_http_is_refused_except_to_this_machine() -> None:
    from afterdesk.core.errors import ValidationError
    from afterdesk.stores.sources import base_url_check

    with pytest.raises(ValidationError, match="https"):
        base_url_check("http://shop.example.com")
    assert base_url_check("https://shop.myshopify.com/") == "https://shop.myshopify.com"


def test_the_sync_command_prints_each_connection_and_fails_on_a_failure(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    shopify_server.orders = [shopify_order(1001)]
    out = StringIO()
    call_command("stores", "sync", "--connection", str(shopify_connection.pk), stdout=out)
    assert out.getvalue() == f"connection {shopify_connection.pk}: 1 orders (1 new)\n"
    StoreConnection.objects.filter(pk=shopify_connection.pk).update(api_version="bogus")
    with pytest.raises(CommandError, match="1 of 1 syncs failed"):
        call_command("stores", "sync", stdout=StringIO())
    with pytest.raises(CommandError, match="no store connection 999"):
        call_command("stores", "sync", "--connection", "999")


def test_credentials_never_appear_in_errors_or_logs(
    shopify_server: ShopifyServer,
    shopify_connection: StoreConnection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from afterdesk.stores.services.connections import ConnectionInput, connection_save

    connection_save(
        ConnectionInput(
            platform="shopify",
            name="Mugs DE",
            base_url=shopify_server.url,
            access_token="shpat_TOPSECRET_1234",
        ),
        existing=shopify_connection,
    )
    with caplog.at_level("DEBUG"):
        result = connection_sync(StoreConnection.objects.get(pk=shopify_connection.pk))
    assert result.error
    shopify_connection.refresh_from_db()
    assert "TOPSECRET" not in shopify_connection.last_error
    assert "TOPSECRET" not in shopify_connection.credentials_encrypted
    assert not [r for r in caplog.records if "TOPSECRET" in r.getMessage()]


def test_the_worker_syncs_every_enabled_store_every_15_minutes(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    from afterdesk.stores.tasks import stores_sync_periodic

    at = {
        # huey's schedule is read in naive local time, as the consumer does.
        minute: {t.name for t in HUEY.read_periodic(datetime(2026, 12, 4, 10, minute))}  # noqa: DTZ001
        for minute in (15, 17)
    }
    assert "stores_sync_periodic" in at[15]
    assert "stores_sync_periodic" not in at[17]
    shopify_server.orders = [shopify_order(1001), shopify_order(1002)]
    assert stores_sync_periodic.call_local() == 2
    StoreConnection.objects.filter(pk=shopify_connection.pk).update(enabled=False)
    assert stores_sync_periodic.call_local() == 0


def test_a_token_the_credentials_key_cannot_read_is_the_last_error(
    shopify_connection: StoreConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("AFTERDESK_CREDENTIALS_KEY", Fernet.generate_key().decode())
    result = connection_sync(shopify_connection)
    assert "type it again" in result.error
    shopify_connection.refresh_from_db()
    assert "type it again" in shopify_connection.last_error


def test_stores_on_private_addresses_are_refused_unless_allowed(
    shopify_server: ShopifyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from afterdesk.stores.sources import PRIVATE_HOSTS_ENV

    shopify_server.orders = [shopify_order(1001)]
    client = ShopifyClient(base_url=shopify_server.url, access_token=SHOPIFY_TOKEN)
    monkeypatch.delenv(PRIVATE_HOSTS_ENV)
    with pytest.raises(PlatformError, match="private, loopback or link-local"):
        client.order_fetch("5001001")
    assert shopify_server.requests == []  # refused before any request
    for address in ("http://localhost:9", "https://169.254.169.254", "https://10.0.0.8"):
        with pytest.raises(PlatformError, match="private, loopback or link-local"):
            ShopifyClient(base_url=address, access_token="x").order_fetch("1")
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")
    assert client.order_fetch("5001001") is not None
