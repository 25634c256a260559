"""eBay order sync against the local Sell Fulfillment API server
(tests/stores/marketplace_servers.py): OAuth refresh tokens, offset pages, rate limits and
server errors, and what a failure leaves behind."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client

from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.stores.ebay import EbayClient, order_status
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import ConnectionInput, connection_save, source_for
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.sources import PlatformError
from tests.stores.marketplace_servers import (
    EBAY_CLIENT_ID,
    EBAY_CLIENT_SECRET,
    EBAY_REFRESH_TOKEN,
    EBAY_SCOPE,
    EbayServer,
    ebay_order,
    running_ebay,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def ebay_server() -> Iterator[EbayServer]:
    with running_ebay() as server:
        yield server


def _connect(server: EbayServer, **changes: str) -> StoreConnection:
    values = {
        "client_id": EBAY_CLIENT_ID,
        "client_secret": EBAY_CLIENT_SECRET,
        "refresh_token": EBAY_REFRESH_TOKEN,
        **changes,
    }
    return connection_save(
        ConnectionInput(
            platform="ebay",
            name="Mugs eBay UK",
            base_url=server.url,
            environment="production",
            market="GB",
            **values,
        )
    )


@pytest.fixture
def ebay_connection(ebay_server: EbayServer) -> StoreConnection:
    return _connect(ebay_server)


def test_sync_pages_waits_out_a_429_and_retries_a_500(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    ebay_server.orders = [
        ebay_order(n, modified=f"2026-11-02T10:0{n}:00.000Z") for n in range(1, 6)
    ]
    ebay_server.rate_limit_requests = {2}  # page 2
    ebay_server.server_error_requests = {4}  # page 3
    waits: list[float] = []

    result = connection_sync(ebay_connection, sleep=waits.append)

    assert result.error == ""
    assert (result.written, result.created) == (5, 5)
    assert waits == [1.0, 1.0]  # no Retry-After: the first pause of each kind
    offsets = [r["query"]["offset"] for r in ebay_server.requests]
    assert offsets == ["0", "2", "2", "4", "4"]
    assert "filter" not in ebay_server.requests[0]["query"]  # the first sync: everything
    assert len(ebay_server.token_requests) == 1
    assert ebay_server.token_requests[0] == {
        "grant_type": "refresh_token",
        "refresh_token": EBAY_REFRESH_TOKEN,
        "scope": EBAY_SCOPE,
    }

    order = Order.objects.get(store=ebay_connection.store, number="03-12345-10003")
    assert (order.total, order.currency, order.status) == (Decimal("34.50"), "GBP", "paid")
    line = order.lines.get()
    assert (line.sku, line.title, line.quantity, line.unit_price) == ("MUG-1", "Mug", 3, 10)
    assert order.customer is not None
    assert (order.customer.name, order.customer.country) == ("Pat Bidder3", "GB")
    assert order.customer.identities.get().value == "pat3@example.com"
    link = order.platform_link
    assert link.admin_url == "https://www.ebay.com/sh/ord/details?orderid=03-12345-10003"
    assert (link.financial_status, link.fulfillment_status) == ("PAID", "NOT_STARTED")
    ebay_connection.refresh_from_db()
    assert ebay_connection.sync_watermark is not None
    assert ebay_connection.sync_watermark.isoformat() == "2026-11-02T10:05:00+00:00"

    ebay_server.requests.clear()
    again = connection_sync(ebay_connection)
    assert (
        ebay_server.requests[0]["query"]["filter"]
        == "lastmodifieddate:[2026-11-02T10:05:00.000Z..]"
    )
    assert (again.written, again.created) == (1, 0)


def test_an_expired_token_mid_sync_is_minted_again(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    ebay_server.orders = [ebay_order(n) for n in range(1, 6)]
    ebay_server.expire_requests = {2}

    result = connection_sync(ebay_connection)

    assert result.error == ""
    assert result.written == 5
    assert len(ebay_server.token_requests) == 2
    tokens = [r["token"] for r in ebay_server.requests]
    assert tokens == [
        "v^1.1#i^1#access-1",
        "v^1.1#i^1#access-1",
        "v^1.1#i^1#access-2",
        "v^1.1#i^1#access-2",
    ]


def test_the_token_is_kept_until_shortly_before_it_expires(ebay_server: EbayServer) -> None:
    ebay_server.orders = [ebay_order(1)]
    now = [0.0]
    client = EbayClient(
        client_id=EBAY_CLIENT_ID,
        client_secret=EBAY_CLIENT_SECRET,
        refresh_token=EBAY_REFRESH_TOKEN,
        base_url=ebay_server.url,
        clock=lambda: now[0],
    )
    assert client.order_fetch("01-12345-10001") is not None
    now[0] = 7000.0
    assert client.order_fetch("01-12345-10001") is not None
    assert len(ebay_server.token_requests) == 1
    now[0] = 7150.0  # 50 seconds before the two hours end
    assert client.order_fetch("01-12345-10001") is not None
    assert len(ebay_server.token_requests) == 2


def test_one_order_and_an_unknown_one(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    cancelled = ebay_order(9)
    cancelled["cancelStatus"] = {"cancelState": "CANCELED", "cancelRequests": []}
    ebay_server.orders = [cancelled]
    source = source_for(ebay_connection)
    found = source.order_fetch("09-12345-10009")
    assert found is not None
    assert found.status == "cancelled"
    assert source.order_fetch("99-99999-99999") is None


def test_an_order_without_the_buyers_email_keeps_the_username(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    quiet = ebay_order(4)
    quiet["buyer"] = {"username": "quiet_buyer"}
    ebay_server.orders = [quiet]
    assert connection_sync(ebay_connection).error == ""
    order = Order.objects.get(store=ebay_connection.store)
    assert order.customer is not None
    assert not order.customer.identities.exists()
    assert ebay_connection.customer_links.get().external_id == "quiet_buyer"


def test_a_malformed_order_fails_the_sync_with_nothing_written(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    broken = ebay_order(2)
    broken["lineItems"][0]["quantity"] = "three"
    ebay_server.orders = [ebay_order(1), broken, ebay_order(3)]

    result = connection_sync(ebay_connection)

    assert result.error == (
        "eBay sent an order the desk cannot read: lineItems[0].quantity must be a whole "
        "number under 1000000"
    )
    assert result.written == 0
    assert not Order.objects.filter(store=ebay_connection.store).exists()
    ebay_connection.refresh_from_db()
    assert ebay_connection.last_error == result.error
    assert ebay_connection.sync_watermark is None


def test_bad_credentials_are_the_connections_last_error(
    ebay_server: EbayServer, admin_client: Client
) -> None:
    connection = _connect(ebay_server, client_secret="wrong")

    result = connection_sync(connection)

    assert result.error == (
        "eBay refused the OAuth credentials (client id and secret, refresh token): "
        "invalid_client: client authentication failed"
    )
    assert ebay_server.requests == []
    page = admin_client.get(f"/stores/{connection.pk}/").content.decode()
    assert "invalid_client: client authentication failed" in page
    health = admin_client.get(f"/api/stores/connections/{connection.pk}").json()
    assert health["connection"]["last_error"] == result.error

    revoked = _connect(ebay_server, refresh_token="v^1.1#revoked")
    assert "invalid_grant" in connection_sync(revoked).error


def test_the_token_request_is_basic_authenticated(ebay_server: EbayServer) -> None:
    client = EbayClient(
        client_id=EBAY_CLIENT_ID,
        client_secret=EBAY_CLIENT_SECRET,
        refresh_token=EBAY_REFRESH_TOKEN,
        base_url=ebay_server.url,
    )
    expected = base64.b64encode(f"{EBAY_CLIENT_ID}:{EBAY_CLIENT_SECRET}".encode()).decode()
    assert client._basic == f"Basic {expected}"
    assert client.access_token() == "v^1.1#i^1#access-1"


def test_statuses() -> None:
    assert order_status("PAID", "NOT_STARTED", "NONE_REQUESTED") == "paid"
    assert order_status("PAID", "IN_PROGRESS", "") == "paid"
    assert order_status("PAID", "FULFILLED", "") == "shipped"
    assert order_status("PENDING", "NOT_STARTED", "") == "pending"
    assert order_status("FAILED", "NOT_STARTED", "") == "pending"
    assert order_status("FULLY_REFUNDED", "FULFILLED", "") == "refunded"
    assert order_status("PARTIALLY_REFUNDED", "FULFILLED", "") == "partially_refunded"
    assert order_status("PAID", "NOT_STARTED", "CANCELED") == "cancelled"


def test_sandbox_and_production_hosts() -> None:
    common = {
        "client_id": EBAY_CLIENT_ID,
        "client_secret": EBAY_CLIENT_SECRET,
        "refresh_token": EBAY_REFRESH_TOKEN,
    }
    assert EbayClient(**common).endpoint == "https://api.ebay.com"
    sandbox = EbayClient(environment="sandbox", **common)
    assert (sandbox.endpoint, sandbox.site) == (
        "https://api.sandbox.ebay.com",
        "https://www.sandbox.ebay.com",
    )
    with pytest.raises(ValidationError, match="production or sandbox"):
        EbayClient(environment="staging", **common)


def test_a_still_rate_limited_api_fails_the_sync_after_its_waits(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    ebay_server.orders = [ebay_order(1)]
    ebay_server.rate_limit_requests = set(range(1, 20))
    waits: list[float] = []
    with pytest.raises(PlatformError, match=r"still answered 429 \(rate limit\) after 8 waits"):
        list(source_for(ebay_connection, sleep=waits.append).orders_since(None))
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_orders_come_oldest_change_first_whatever_ebays_order(
    ebay_server: EbayServer, ebay_connection: StoreConnection
) -> None:
    ebay_server.orders = [
        ebay_order(n, modified=f"2026-11-02T10:0{n}:00.000Z") for n in range(1, 6)
    ]
    ebay_server.newest_first = True
    found = list(source_for(ebay_connection).orders_since(None))
    assert [order.number[-1] for order in found] == ["1", "2", "3", "4", "5"]
