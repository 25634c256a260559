"""WooCommerce order sync against the local REST API server."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from afterdesk.commerce.models import Order
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import source_for
from afterdesk.stores.services.sync import connection_sync
from afterdesk.stores.sources import PlatformError
from afterdesk.stores.woocommerce import WooCommerceClient
from tests.stores.servers import WooServer, woo_order

pytestmark = pytest.mark.django_db


def test_sync_pages_through_orders_and_waits_out_a_429(
    woo_server: WooServer, woo_connection: StoreConnection
) -> None:
    woo_server.orders = [woo_order(n, modified=f"2026-11-02T10:0{n}:00") for n in range(5)]
    woo_server.rate_limit_requests = {2}
    waits: list[float] = []

    result = connection_sync(woo_connection, sleep=waits.append)

    assert result.error == ""
    assert (result.written, result.created) == (5, 5)
    assert waits == [0.05]  # the Retry-After
    # pages 1, 2 (429), 2 again, 3
    pages = [parse_qs(urlsplit(path).query)["page"][0] for path in woo_server.requests]
    assert pages == ["1", "2", "2", "3"]
    order = Order.objects.get(store=woo_connection.store, number="803")
    assert (order.total, order.currency, order.status) == (Decimal("35.00"), "USD", "paid")
    line = order.lines.get()
    assert (line.sku, line.title, line.quantity, line.unit_price) == ("TEA", "Tea", 5, 7)
    assert order.platform_link.admin_url.endswith("/wp-admin/post.php?post=803&action=edit")
    woo_connection.refresh_from_db()
    assert woo_connection.sync_watermark is not None
    assert woo_connection.sync_watermark.isoformat() == "2026-11-02T10:04:00+00:00"

    woo_server.requests.clear()
    woo_server.rate_limit_requests = set()
    again = connection_sync(woo_connection)
    assert "modified_after=2026-11-02T10%3A03%3A59" in woo_server.requests[0]
    assert (again.written, again.created) == (1, 0)


def test_wrong_keys_and_one_order(woo_server: WooServer, woo_connection: StoreConnection) -> None:
    woo_server.orders = [woo_order(1)]
    client = WooCommerceClient(base_url=woo_server.url, consumer_key="x", consumer_secret="y")
    with pytest.raises(PlatformError, match="refused the REST API keys"):
        list(client.orders_since(None))
    source = source_for(woo_connection)
    found = source.order_fetch("801")
    assert found is not None
    assert found.customer is not None
    assert found.customer.email == "woo1@example.com"
    assert source.order_fetch("999") is None


def test_a_redirect_is_not_followed(woo_server: WooServer) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"{woo_server.url}/wp-json/wc/v3/orders")
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = WooCommerceClient(
            base_url=f"http://127.0.0.1:{server.server_address[1]}",
            consumer_key="ck_test",
            consumer_secret="cs_test",
        )
        with pytest.raises(PlatformError, match="HTTP 302"):
            list(client.orders_since(None))
    finally:
        server.shutdown()
        server.server_close()
    assert woo_server.requests == []
