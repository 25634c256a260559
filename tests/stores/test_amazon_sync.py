"""Amazon SP-API order sync against the local Selling Partner API server
(tests/stores/marketplace_servers.py): LWA tokens, restricted data tokens, NextToken pages,
rate limits and server errors, and what a failure leaves behind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client

from afterdesk.commerce.models import Customer, Order
from afterdesk.core.errors import ValidationError
from afterdesk.stores.amazon import STATUSES, AmazonClient
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import ConnectionInput, connection_save, source_for
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.sources import PlatformError
from tests.stores.marketplace_servers import (
    AMAZON_CLIENT_ID,
    AMAZON_CLIENT_SECRET,
    AMAZON_REFRESH_TOKEN,
    MARKETPLACE_DE,
    AmazonServer,
    amazon_order,
    running_amazon,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def amazon_server() -> Iterator[AmazonServer]:
    with running_amazon() as server:
        yield server


def _connect(server: AmazonServer, **changes: str) -> StoreConnection:
    values = {
        "client_id": AMAZON_CLIENT_ID,
        "client_secret": AMAZON_CLIENT_SECRET,
        "refresh_token": AMAZON_REFRESH_TOKEN,
        **changes,
    }
    return connection_save(
        ConnectionInput(
            platform="amazon",
            name="Mugs Amazon DE",
            base_url=server.url,
            region="EU",
            marketplace_id=MARKETPLACE_DE,
            seller_id="A3SELLER",
            market="DE",
            **values,
        )
    )


@pytest.fixture
def amazon_connection(amazon_server: AmazonServer) -> StoreConnection:
    return _connect(amazon_server)


def _order_calls(server: AmazonServer) -> list[str]:
    return [r["path"] for r in server.requests if r["path"] == "/orders/v0/orders"]


def test_sync_pages_waits_out_a_429_and_retries_a_503(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(n, updated=f"2026-11-02T10:0{n}:00Z") for n in range(1, 6)]
    # Requests: 1 orders page 1, 2 page 2 → 429, 3 page 2 again, 4 page 3, then the items
    # (two pages an order): 5-6 order 1, 7 order 2 → 503, 8 the same again …
    amazon_server.rate_limit_requests = {2}
    amazon_server.server_error_requests = {7}
    waits: list[float] = []

    result = connection_sync(amazon_connection, sleep=waits.append)

    assert result.error == ""
    assert (result.written, result.created) == (5, 5)
    # One request's worth of the 0.5 requests/second in x-amzn-RateLimit-Limit; then 1 s.
    assert waits == [2.0, 1.0]
    assert len(amazon_server.token_requests) == 1  # one LWA token for the whole sync
    assert amazon_server.token_requests[0] == {
        "grant_type": "refresh_token",
        "refresh_token": AMAZON_REFRESH_TOKEN,
        "client_id": AMAZON_CLIENT_ID,
        "client_secret": AMAZON_CLIENT_SECRET,
    }
    pages = [r for r in amazon_server.requests if r["path"] == "/orders/v0/orders"]
    assert pages[0]["query"]["MarketplaceIds"] == MARKETPLACE_DE
    assert "LastUpdatedAfter" in pages[0]["query"]
    assert [("NextToken" in p["query"]) for p in pages] == [False, True, True, True]
    # The order lists go with the restricted data token, the items with the LWA token.
    assert all(p["token"].startswith("Atz.sprdt|") for p in pages)
    assert len(amazon_server.rdt_requests) == 1
    assert amazon_server.rdt_requests[0]["restrictedResources"][0]["path"] == "/orders/v0/orders"

    order = Order.objects.get(store=amazon_connection.store, number="302-0000003-1000003")
    assert (order.total, order.currency, order.status) == (Decimal("64.97"), "EUR", "paid")
    lines = sorted((x.sku, x.title, x.quantity, x.unit_price) for x in order.lines.all())
    assert lines == [("MUG-1", "Mug", 2, Decimal("24.99")), ("TEA-1", "Tea", 1, Decimal("14.99"))]
    assert order.customer is not None
    assert order.customer.name == "Jonas Käufer3"
    assert order.customer.country == "DE"
    assert order.customer.identities.get().value == "0003abcd@marketplace.amazon.de"
    link = order.platform_link
    assert link.admin_url == "https://sellercentral.amazon.de/orders-v3/order/302-0000003-1000003"
    assert link.fulfillment_status == "Unshipped"
    amazon_connection.refresh_from_db()
    assert amazon_connection.sync_watermark is not None
    assert amazon_connection.sync_watermark.isoformat() == "2026-11-02T10:05:00+00:00"
    assert amazon_connection.last_error == ""

    amazon_server.requests.clear()
    again = connection_sync(amazon_connection)
    assert amazon_server.requests[0]["query"]["LastUpdatedAfter"] == "2026-11-02T10:05:00Z"
    assert (again.written, again.created) == (1, 0)


def test_an_expired_token_mid_sync_is_minted_again(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(n) for n in range(1, 4)]
    amazon_server.expire_requests = {4}  # order 1's second page of items, first LWA token

    result = connection_sync(amazon_connection, sleep=lambda _s: None)

    assert result.error == ""
    assert result.written == 3
    assert len(amazon_server.token_requests) == 2
    assert amazon_server.requests[3]["token"] == "Atza|access-1"
    assert amazon_server.requests[4]["token"] == "Atza|access-2"


def test_the_token_is_kept_until_shortly_before_it_expires(amazon_server: AmazonServer) -> None:
    amazon_server.orders = [amazon_order(1)]
    amazon_server.token_lifetime = 3600
    now = [1000.0]
    client = AmazonClient(
        client_id=AMAZON_CLIENT_ID,
        client_secret=AMAZON_CLIENT_SECRET,
        refresh_token=AMAZON_REFRESH_TOKEN,
        marketplace_id=MARKETPLACE_DE,
        base_url=amazon_server.url,
        clock=lambda: now[0],
    )
    assert client.order_fetch("302-0000001-1000001") is not None
    now[0] += 3000  # within the hour, more than a minute before its end
    assert client.order_fetch("302-0000001-1000001") is not None
    assert len(amazon_server.token_requests) == 1
    now[0] += 560  # 40 seconds before the end: too close to send it
    assert client.order_fetch("302-0000001-1000001") is not None
    assert len(amazon_server.token_requests) == 2


def test_restricted_data_refused_orders_are_stored_without_the_buyer(
    amazon_server: AmazonServer,
    amazon_connection: StoreConnection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    amazon_server.orders = [amazon_order(1), amazon_order(2)]
    amazon_server.rdt_allowed = False

    with caplog.at_level(logging.INFO, logger="afterdesk.stores.amazon"):
        result = connection_sync(amazon_connection)

    assert result.error == ""
    assert result.written == 2
    assert len(amazon_server.rdt_requests) == 1  # refused once, not asked again
    assert all(r["token"].startswith("Atza|") for r in amazon_server.requests)
    orders = Order.objects.filter(store=amazon_connection.store)
    assert orders.count() == 2
    assert all(order.customer is None for order in orders)
    assert not Customer.objects.filter(store=amazon_connection.store).exists()
    assert "restricted data token refused" in caplog.text
    assert "Access to requested resource is denied" in caplog.text


def test_one_order_with_its_buyer_and_an_unknown_one(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(7, status="Shipped")]
    source = source_for(amazon_connection)
    found = source.order_fetch("302-0000007-1000007")
    assert found is not None
    assert found.status == "shipped"
    assert found.customer is not None
    assert found.customer.email == "0007abcd@marketplace.amazon.de"
    rdt_paths = [r["restrictedResources"][0]["path"] for r in amazon_server.rdt_requests]
    assert rdt_paths == ["/orders/v0/orders/302-0000007-1000007"]
    assert source.order_fetch("302-0000000-0000000") is None


def test_a_malformed_order_fails_the_sync_with_nothing_written(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    broken = amazon_order(2)
    broken["OrderTotal"] = {"CurrencyCode": "EUR", "Amount": "a lot"}
    amazon_server.orders = [amazon_order(1), broken, amazon_order(3)]

    result = connection_sync(amazon_connection)

    assert "OrderTotal.Amount must be an amount" in result.error
    assert result.written == 0
    assert not Order.objects.filter(store=amazon_connection.store).exists()
    amazon_connection.refresh_from_db()
    assert "Amazon sent an order the desk cannot read" in amazon_connection.last_error
    assert amazon_connection.sync_watermark is None


def test_a_page_that_is_not_the_format_stops_the_sync_before_any_order(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(n) for n in range(1, 4)]
    amazon_server.malformed_requests = {2}  # page 2

    result = connection_sync(amazon_connection)

    assert result.error == "Amazon answered orders that are not a list (payload.Orders)"
    assert result.written == 0
    assert not Order.objects.filter(store=amazon_connection.store).exists()
    amazon_connection.refresh_from_db()
    assert amazon_connection.sync_watermark is None  # the next sync asks again from the start
    amazon_server.requests.clear()
    amazon_server.malformed_requests = {1}
    with pytest.raises(PlatformError, match="not a list"):
        list(source_for(amazon_connection).orders_since(None))


def test_bad_credentials_are_the_connections_last_error(
    amazon_server: AmazonServer, admin_client: Client
) -> None:
    connection = _connect(amazon_server, client_secret="wrong")

    result = connection_sync(connection)

    assert result.error == (
        "Amazon refused the LWA credentials (client id and secret, refresh token): "
        "invalid_client: Client authentication failed"
    )
    assert amazon_server.requests == []
    page = admin_client.get(f"/stores/{connection.pk}/")
    assert "invalid_client: Client authentication failed" in page.content.decode()
    health = admin_client.get(f"/api/stores/connections/{connection.pk}").json()
    assert health["connection"]["last_error"] == result.error
    assert health["connection"]["last_error_at"] is not None
    listing = admin_client.get("/stores/")
    assert "invalid_client" in listing.content.decode()

    other = _connect(amazon_server, refresh_token="Atzr|revoked")
    assert "invalid_grant" in connection_sync(other).error


def test_every_amazon_status_has_a_desk_status() -> None:
    assert {k: str(v) for k, v in STATUSES.items()} == {
        "PendingAvailability": "pending",
        "Pending": "pending",
        "Unshipped": "paid",
        "PartiallyShipped": "paid",
        "Shipped": "shipped",
        "InvoiceUnconfirmed": "shipped",
        "Canceled": "cancelled",
        "Unfulfillable": "cancelled",
    }


def test_a_pending_order_without_total_takes_its_marketplace_currency(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    pending = amazon_order(4, status="Pending")
    del pending["OrderTotal"]
    for item in pending["_items"]:
        del item["ItemPrice"]  # Amazon leaves prices out while payment is pending
    amazon_server.orders = [pending]
    found = source_for(amazon_connection).order_fetch(pending["AmazonOrderId"])
    assert found is not None
    assert (found.status, found.currency, found.total) == ("pending", "EUR", Decimal("0.00"))


def test_server_errors_are_tried_four_more_times_then_fail_the_sync(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(1)]
    amazon_server.server_error_requests = {1, 2, 3, 4, 5}
    waits: list[float] = []

    result = connection_sync(amazon_connection, sleep=waits.append)

    assert result.error == (
        "Amazon answered HTTP 503 after 4 retries: InternalFailure We encountered an internal "
        "error. Please try again."
    )
    assert waits == [1.0, 2.0, 4.0, 8.0]
    assert len(amazon_server.requests) == 5
    assert not Order.objects.filter(store=amazon_connection.store).exists()


def test_orders_come_oldest_change_first_whatever_amazons_order(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(n, updated=f"2026-11-02T10:0{n}:00Z") for n in range(1, 6)]
    amazon_server.newest_first = True
    found = list(source_for(amazon_connection).orders_since(None))
    assert [order.number[-1] for order in found] == ["1", "2", "3", "4", "5"]


def test_the_region_chooses_the_endpoint_and_the_marketplace_the_admin_link() -> None:
    common = {
        "client_id": AMAZON_CLIENT_ID,
        "client_secret": AMAZON_CLIENT_SECRET,
        "refresh_token": AMAZON_REFRESH_TOKEN,
    }
    us = AmazonClient(marketplace_id="ATVPDKIKX0DER", **common)
    assert (us.endpoint, us.token_url) == (
        "https://sellingpartnerapi-na.amazon.com",
        "https://api.amazon.com/auth/o2/token",
    )
    assert (us.seller_central, us.currency) == ("sellercentral.amazon.com", "USD")
    japan = AmazonClient(marketplace_id="A1VC38T7YXB528", region="fe", **common)
    assert japan.endpoint == "https://sellingpartnerapi-fe.amazon.com"
    assert japan.seller_central == "sellercentral.amazon.co.jp"
    unknown = AmazonClient(marketplace_id="A2UNKNOWNMKT", region="EU", **common)
    assert unknown.endpoint == "https://sellingpartnerapi-eu.amazon.com"
    assert unknown.seller_central == "sellercentral-europe.amazon.com"
    with pytest.raises(ValidationError, match="NA, EU or FE"):
        AmazonClient(marketplace_id="ATVPDKIKX0DER", region="SA", **common)


def test_an_app_without_the_orders_role_fails_with_amazons_words_and_one_token(
    amazon_server: AmazonServer, amazon_connection: StoreConnection
) -> None:
    amazon_server.orders = [amazon_order(1)]
    amazon_server.orders_role = False

    result = connection_sync(amazon_connection)

    assert result.error == (
        "Amazon refused the call to /orders/v0/orders: Unauthorized Access to requested "
        "resource is denied."
    )
    assert len(amazon_server.token_requests) == 1  # not a token problem: not minted again
    assert len(amazon_server.requests) == 1
