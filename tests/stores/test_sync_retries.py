"""The order sync against the local platform servers when they fail for a while: 5xx answers
and dropped connections are asked again with exponential backoff (bounded), a sync that
fails past its retries resumes from the last order it wrote, without duplicates; a refund is
never sent twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from afterdesk.commerce.models import Order, OrderLine
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.shopify import ShopifyClient
from afterdesk.stores.sources import PlatformError, backoff_seconds
from tests.stores.servers import (
    SHOPIFY_TOKEN,
    ShopifyServer,
    WooServer,
    shopify_order,
    woo_order,
)

pytestmark = pytest.mark.django_db


def test_backoff_doubles_and_is_bounded() -> None:
    assert [backoff_seconds(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_shopify_5xx_and_a_dropped_connection_are_asked_again_with_backoff(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    shopify_server.orders = [
        shopify_order(1000 + n, updated=f"2026-11-02T10:0{n}:00Z") for n in range(3)
    ]
    shopify_server.error_requests = {2: 503}
    shopify_server.drop_requests = {3}
    waits: list[float] = []

    result = connection_sync(shopify_connection, sleep=waits.append)

    assert result.error == ""
    assert (result.written, result.created) == (3, 3)
    assert waits == [1.0, 2.0]
    # The second page was asked three times, the same each time.
    assert shopify_server.requests[1] == shopify_server.requests[2] == shopify_server.requests[3]
    assert len(shopify_server.requests) == 4


def test_a_sync_failing_past_its_retries_resumes_from_its_watermark_without_duplicates(
    shopify_server: ShopifyServer, shopify_connection: StoreConnection
) -> None:
    shopify_server.orders = [
        shopify_order(1000 + n, updated=f"2026-11-02T10:0{n}:00Z") for n in range(5)
    ]
    shopify_server.error_requests = {n: 500 for n in range(2, 7)}  # the second page, 5 times
    waits: list[float] = []

    failed = connection_sync(shopify_connection, sleep=waits.append)

    assert failed.error == "Shopify answered HTTP 500"
    assert waits == [1.0, 2.0, 4.0, 8.0]  # four retries, then it gives up
    assert failed.written == 2
    shopify_connection.refresh_from_db()
    assert shopify_connection.last_error == "Shopify answered HTTP 500"
    # The watermark followed the orders written before the failure.
    assert shopify_connection.sync_watermark is not None
    assert shopify_connection.sync_watermark.isoformat() == "2026-11-02T10:01:00+00:00"

    shopify_server.error_requests = {}
    shopify_server.requests.clear()
    resumed = connection_sync(shopify_connection, sleep=waits.append)

    assert resumed.error == ""
    assert shopify_server.requests[0]["variables"]["query"] == (
        "updated_at:>='2026-11-02T10:01:00+00:00'"
    )
    assert (resumed.written, resumed.created) == (4, 3)  # the watermark's own order again
    assert Order.objects.filter(store=shopify_connection.store).count() == 5
    assert OrderLine.objects.filter(order__store=shopify_connection.store).count() == 10
    shopify_connection.refresh_from_db()
    assert shopify_connection.sync_watermark.isoformat() == "2026-11-02T10:04:00+00:00"


def test_woocommerce_5xx_and_dropped_connections_then_resume(
    woo_server: WooServer, woo_connection: StoreConnection
) -> None:
    woo_server.orders = [woo_order(n, modified=f"2026-11-02T10:0{n}:00") for n in range(1, 6)]
    woo_server.error_requests = {2: 502}
    woo_server.drop_requests = {3}
    waits: list[float] = []

    result = connection_sync(woo_connection, sleep=waits.append)

    assert result.error == ""
    assert result.written == 5
    assert waits == [1.0, 2.0]

    # A shop down for good on the third page: bounded, then the next sync resumes.
    woo_server.orders.append(woo_order(6, modified="2026-11-03T09:00:00"))
    woo_server.orders.append(woo_order(7, modified="2026-11-03T09:01:00"))
    woo_server.orders.append(woo_order(8, modified="2026-11-03T09:02:00"))
    woo_server.requests.clear()
    woo_server.drop_requests = {n for n in range(2, 7)}
    waits.clear()
    failed = connection_sync(woo_connection, sleep=waits.append)
    assert "cannot be reached" in failed.error
    assert waits == [1.0, 2.0, 4.0, 8.0]
    woo_connection.refresh_from_db()
    assert woo_connection.sync_watermark is not None
    # The first page held the watermark's own order (asked one second back) and order 6.
    assert woo_connection.sync_watermark.isoformat() == "2026-11-03T09:00:00+00:00"

    woo_server.drop_requests = set()
    woo_server.requests.clear()
    resumed = connection_sync(woo_connection, sleep=waits.append)
    assert resumed.error == ""
    assert "modified_after=2026-11-03T08%3A59%3A59" in woo_server.requests[0]
    assert Order.objects.filter(store=woo_connection.store).count() == 8
    assert OrderLine.objects.filter(order__store=woo_connection.store).count() == 8


def test_a_refund_is_not_sent_again_after_a_5xx(shopify_server: ShopifyServer) -> None:
    shopify_server.orders = [shopify_order(1001)]
    shopify_server.error_requests = {2: 503}  # the refundCreate mutation's answer
    waits: list[float] = []
    client = ShopifyClient(
        base_url=shopify_server.url, access_token=SHOPIFY_TOKEN, sleep=waits.append
    )
    with pytest.raises(PlatformError, match="HTTP 503"):
        client.refund_create("5001001", Decimal("5.00"), "EUR", "damaged")
    # It may have run before its answer was lost: a refund twice costs the seller money.
    assert sum("refundCreate" in r["query"] for r in shopify_server.requests) == 1
    assert waits == []
