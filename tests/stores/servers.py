"""Local stand-ins for the platforms' APIs, run in a thread by the tests; each checks requests
the way the platform documents them and answers in its format.

- Shopify Admin GraphQL (`POST /admin/api/<version>/graphql.json`, `X-Shopify-Access-Token`):
  `orders(first, after, query: "updated_at:>='…'")` with `pageInfo { hasNextPage endCursor }`
  and `extensions.cost`; a THROTTLED error (HTTP 200, `errors[].extensions.code`) on the
  request numbers the test names; `order(id)` with its transactions; `refundCreate`.
- WooCommerce REST v3 (`GET /wp-json/wc/v3/orders`, HTTP Basic): `per_page`, `page`,
  `modified_after`, `X-WP-Total` / `X-WP-TotalPages`; a 429 with Retry-After on the request
  numbers the test names.
- Both: a 5xx answer, or the connection closed without an answer, on the request numbers the
  test names (`error_requests`, `drop_requests`).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

SHOPIFY_TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test", "cs_test"


def shopify_order(
    number: int, *, updated: str = "2026-11-02T10:00:00Z", financial: str = "PAID"
) -> dict[str, Any]:
    """An Order node as the Admin GraphQL API answers it (the fields the client asks for)."""
    legacy = 5_000_000 + number
    return {
        "id": f"gid://shopify/Order/{legacy}",
        "legacyResourceId": str(legacy),
        "name": f"#{number}",
        "createdAt": "2026-11-01T09:30:00Z",
        "updatedAt": updated,
        "cancelledAt": None,
        "email": f"buyer{number}@example.com",
        "currencyCode": "EUR",
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": "UNFULFILLED",
        "totalPriceSet": {"shopMoney": {"amount": "59.90", "currencyCode": "EUR"}},
        "customer": {
            "id": f"gid://shopify/Customer/{700 + number}",
            "email": f"buyer{number}@example.com",
            "firstName": "Ines",
            "lastName": f"Buyer{number}",
        },
        "shippingAddress": {"countryCodeV2": "DE"},
        "lineItems": {
            "nodes": [
                {
                    "id": f"gid://shopify/LineItem/{legacy}1",
                    "sku": "MUG-1",
                    "title": "Mug",
                    "quantity": 2,
                    "originalUnitPriceSet": {"shopMoney": {"amount": "24.95"}},
                },
                {
                    "id": f"gid://shopify/LineItem/{legacy}2",
                    "sku": "SHIP",
                    "title": "Shipping",
                    "quantity": 1,
                    "originalUnitPriceSet": {"shopMoney": {"amount": "10.00"}},
                },
            ]
        },
    }


@dataclass
class ShopifyServer:
    url: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    throttle_requests: set[int] = field(default_factory=set)  # 1-based request numbers
    requests: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    refund_user_errors: list[dict[str, Any]] = field(default_factory=list)
    error_requests: dict[int, int] = field(default_factory=dict)  # request number: 5xx status
    drop_requests: set[int] = field(default_factory=set)  # closed without an answer


def _cost(requested: float, available: float) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": None if available < requested else requested,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": available,
                "restoreRate": 100.0,
            },
        }
    }


def _shopify_handler(state: ShopifyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not re.fullmatch(r"/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json", self.path):
                self._answer(404, {"errors": "Not Found"})
                return
            if self.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
                self._answer(401, {"errors": "[API] Invalid API key or access token"})
                return
            body = json.loads(raw)
            state.requests.append(body)
            query, variables = body["query"], body.get("variables") or {}
            if _failed(self, state.error_requests, state.drop_requests, len(state.requests)):
                return
            if len(state.requests) in state.throttle_requests:
                self._answer(
                    200,
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/limits",
                                },
                            }
                        ],
                        "extensions": _cost(42.0, 37.0),
                    },
                )
                return
            if "refundCreate" in query:
                self._answer(200, {"data": self._refund(variables["input"]), **_cost(10, 990)})
            elif "orders(" in query:
                self._answer(200, {"data": self._orders(variables), **_cost(42, 958)})
            elif "order(id" in query:
                self._answer(200, {"data": self._order(query, variables["id"]), **_cost(5, 995)})
            else:
                self._answer(200, {"errors": [{"message": f"unknown query {query[:40]}"}]})

        def _orders(self, variables: dict[str, Any]) -> dict[str, Any]:
            chosen = state.orders
            search = variables.get("query") or ""
            match = re.fullmatch(r"updated_at:>='([^']+)'", search)
            if search and not match:
                raise AssertionError(f"unexpected search {search!r}")
            if match:
                since = match.group(1)
                chosen = [o for o in chosen if _iso(o["updatedAt"]) >= _iso(since)]
            chosen = sorted(chosen, key=lambda o: _iso(o["updatedAt"]))
            start = int(variables["after"].removeprefix("cursor-")) if variables.get("after") else 0
            size = min(int(variables["first"]), state.page_size)
            page = chosen[start : start + size]
            end = start + len(page)
            return {
                "orders": {
                    "pageInfo": {"hasNextPage": end < len(chosen), "endCursor": f"cursor-{end}"},
                    "nodes": page,
                }
            }

        def _order(self, query: str, gid: str) -> dict[str, Any]:
            found = next((o for o in state.orders if o["id"] == gid), None)
            if found is None:
                return {"order": None}
            if "transactions" in query:
                return {
                    "order": {
                        "transactions": [
                            {
                                "id": f"{gid}-auth",
                                "gateway": "shopify_payments",
                                "kind": "AUTHORIZATION",
                                "status": "SUCCESS",
                            },
                            {
                                "id": f"gid://shopify/OrderTransaction/9{gid[-3:]}",
                                "gateway": "shopify_payments",
                                "kind": "SALE",
                                "status": "SUCCESS",
                            },
                        ]
                    }
                }
            return {"order": found}

        def _refund(self, refund_input: dict[str, Any]) -> dict[str, Any]:
            state.refunds.append(refund_input)
            if state.refund_user_errors:
                return {"refundCreate": {"refund": None, "userErrors": state.refund_user_errors}}
            amount = sum(float(t["amount"]) for t in refund_input.get("transactions", []))
            return {
                "refundCreate": {
                    "refund": {
                        "id": f"gid://shopify/Refund/{len(state.refunds)}",
                        "totalRefundedSet": {
                            "presentmentMoney": {
                                "amount": f"{amount:.2f}",
                                "currencyCode": refund_input.get("currency", "EUR"),
                            }
                        },
                    },
                    "userErrors": [],
                }
            }

    return Handler


def _failed(
    handler: BaseHTTPRequestHandler, errors: dict[int, int], drops: set[int], number: int
) -> bool:
    """The platform's passing trouble on the request numbers a test names: a 5xx with a JSON
    body, or the connection closed before any answer (a reset, a proxy timing out)."""
    if number in drops:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
        return True
    if number in errors:
        data = json.dumps({"errors": "Internal Server Error"}).encode()
        handler.send_response(errors[number])
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)
        return True
    return False


def _iso(value: str) -> str:
    """Instants compared as UTC text (the tests' instants are all in UTC)."""
    return value.replace("+00:00", "Z")


def woo_order(number: int, *, modified: str = "2026-11-02T10:00:00") -> dict[str, Any]:
    """An order as WooCommerce's REST API v3 answers it."""
    return {
        "id": 800 + number,
        "number": str(800 + number),
        "status": "processing",
        "currency": "USD",
        "date_created": "2026-11-01T10:30:00",
        "date_created_gmt": "2026-11-01T09:30:00",
        "date_modified": "2026-11-02T11:00:00",
        "date_modified_gmt": modified,
        "total": "35.00",
        "customer_id": 40 + number,
        "billing": {
            "first_name": "Ann",
            "last_name": f"Woo{number}",
            "email": f"woo{number}@example.com",
            "country": "US",
        },
        "line_items": [
            {"id": 1, "name": "Tea", "sku": "TEA", "quantity": 5, "price": 7, "total": "35.00"}
        ],
    }


@dataclass
class WooServer:
    url: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)
    rate_limit_requests: set[int] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    error_requests: dict[int, int] = field(default_factory=dict)  # request number: 5xx status
    drop_requests: set[int] = field(default_factory=set)  # closed without an answer


def _woo_handler(state: WooServer) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            state.requests.append(self.path)
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"code": "woocommerce_rest_cannot_view", "data": {"status": 401}})
                return
            if _failed(self, state.error_requests, state.drop_requests, len(state.requests)):
                return
            if len(state.requests) in state.rate_limit_requests:
                self._answer(429, {"code": "too_many_requests"}, {"Retry-After": "0.05"})
                return
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            single = re.fullmatch(r"/wp-json/wc/v3/orders/(\d+)", parts.path)
            if single:
                found = next((o for o in state.orders if o["id"] == int(single.group(1))), None)
                if found is None:
                    self._answer(404, {"code": "woocommerce_rest_shop_order_invalid_id"})
                else:
                    self._answer(200, found)
                return
            if parts.path != "/wp-json/wc/v3/orders":
                self._answer(404, {"code": "rest_no_route"})
                return
            chosen = state.orders
            if "modified_after" in query:
                chosen = [o for o in chosen if o["date_modified_gmt"] > query["modified_after"]]
            chosen = sorted(chosen, key=lambda o: o["date_modified_gmt"])
            per_page, page = int(query.get("per_page", "10")), int(query.get("page", "1"))
            per_page = min(per_page, 2)  # small pages, so the tests page
            pages = max(1, -(-len(chosen) // per_page))
            slice_ = chosen[(page - 1) * per_page : page * per_page]
            self._answer(
                200, slice_, {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)}
            )

    return Handler


@contextlib.contextmanager
def _running(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def running_shopify() -> Iterator[ShopifyServer]:
    state = ShopifyServer()
    with _running(_shopify_handler(state)) as url:
        state.url = url
        yield state


@contextlib.contextmanager
def running_woocommerce() -> Iterator[WooServer]:
    state = WooServer()
    with _running(_woo_handler(state)) as url:
        state.url = url
        yield state
