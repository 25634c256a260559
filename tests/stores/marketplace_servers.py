"""Local stand-ins for Amazon's Selling Partner API and eBay's Sell Fulfillment API, run in a
thread by the tests (as tests/stores/servers.py does for Shopify and WooCommerce); each checks
requests the way the platform documents them and answers in its format.

- Amazon: LWA (`POST /auth/o2/token`, form `grant_type=refresh_token`, client id and secret)
  minting `Atza|…` tokens; `x-amz-access-token` on every call; the Tokens API
  (`POST /tokens/2021-03-01/restrictedDataToken`) granting or refusing (403) buyers' details;
  Orders v0 (`GET /orders/v0/orders` with MarketplaceIds, LastUpdatedAfter, NextToken;
  `/orders/v0/orders/{id}`; `/orderItems` with its own NextToken), `payload` bodies, error
  bodies `{"errors": [{"code", "message", "details"}]}`, a 429 with `x-amzn-RateLimit-Limit`.
- eBay: `POST /identity/v1/oauth2/token` (HTTP Basic client id:secret, refresh token, scope);
  Bearer tokens; `GET /sell/fulfillment/v1/order?filter=lastmodifieddate:[…..]&limit&offset`
  answering `{href, total, limit, offset, next, orders}`; `/order/{orderId}`; error bodies
  `{"errors": [{"errorId", "domain", "category", "message"}]}`.

Faults are planned by request number (1-based, token calls not counted): `rate_limit_requests`
(429), `server_error_requests` (5xx), `expire_requests` (the token in use is declared expired).
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

AMAZON_CLIENT_ID = "amzn1.application-oa2-client.test"
AMAZON_CLIENT_SECRET = "amzn1.oa2-cs.v1.secret"
AMAZON_REFRESH_TOKEN = "Atzr|refresh-token"
MARKETPLACE_DE = "A1PA6795UKMFR9"
EBAY_CLIENT_ID = "Seller-Afterdes-PRD-123456789-abcdef"
EBAY_CLIENT_SECRET = "PRD-cert-secret"
EBAY_REFRESH_TOKEN = "v^1.1#i^1#r^1#refresh"
EBAY_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"


def amazon_order(
    number: int, *, updated: str = "2026-11-02T10:00:00Z", status: str = "Unshipped"
) -> dict[str, Any]:
    """An Orders v0 `Order` with its buyer's details (shown only with a restricted data token)
    and two items (ItemPrice is the line's price: unit price × quantity)."""
    return {
        "AmazonOrderId": f"302-{number:07d}-{number + 1000000:07d}",
        "PurchaseDate": "2026-11-01T09:30:00Z",
        "LastUpdateDate": updated,
        "OrderStatus": status,
        "FulfillmentChannel": "MFN",
        "SalesChannel": "Amazon.de",
        "MarketplaceId": MARKETPLACE_DE,
        "OrderTotal": {"CurrencyCode": "EUR", "Amount": "64.97"},
        "BuyerInfo": {
            "BuyerEmail": f"{number:04d}abcd@marketplace.amazon.de",
            "BuyerName": f"Jonas Käufer{number}",
        },
        "ShippingAddress": {
            "Name": f"Jonas Käufer{number}",
            "AddressLine1": "Hauptstr. 1",
            "City": "Berlin",
            "PostalCode": "10115",
            "CountryCode": "DE",
        },
        "_items": [
            {
                "ASIN": "B000MUG001",
                "OrderItemId": f"{number}1",
                "SellerSKU": "MUG-1",
                "Title": "Mug",
                "QuantityOrdered": 2,
                "QuantityShipped": 0,
                "ItemPrice": {"CurrencyCode": "EUR", "Amount": "49.98"},
            },
            {
                "ASIN": "B000TEA002",
                "OrderItemId": f"{number}2",
                "SellerSKU": "TEA-1",
                "Title": "Tea",
                "QuantityOrdered": 1,
                "QuantityShipped": 0,
                "ItemPrice": {"CurrencyCode": "EUR", "Amount": "14.99"},
            },
        ],
    }


# Without a restricted data token Amazon leaves the buyer's personal data out.
_PII_FREE_ADDRESS = ("City", "PostalCode", "CountryCode", "StateOrRegion")


@dataclass
class AmazonServer:
    url: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    rdt_allowed: bool = True
    token_lifetime: int = 3600
    rate_limit_requests: set[int] = field(default_factory=set)
    server_error_requests: set[int] = field(default_factory=set)
    expire_requests: set[int] = field(default_factory=set)
    malformed_requests: set[int] = field(default_factory=set)  # 200, not the format
    newest_first: bool = False  # Amazon promises no order; the client must not rely on one
    orders_role: bool = True  # False: the app lacks the Orders role (403 on every order call)
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    rdt_requests: list[dict[str, Any]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    restricted: dict[str, str] = field(default_factory=dict)  # token → path


def _errors(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"errors": [{"code": code, "message": message, "details": details}]}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        return {k: v[0] for k, v in parse_qs(raw).items()}


def _amazon_handler(state: AmazonServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        def do_POST(self) -> None:
            if self.path == "/auth/o2/token":
                form = self._form()
                state.token_requests.append(form)
                if form.get("grant_type") != "refresh_token":
                    self._answer(400, {"error": "unsupported_grant_type"})
                elif (form.get("client_id"), form.get("client_secret")) != (
                    AMAZON_CLIENT_ID,
                    AMAZON_CLIENT_SECRET,
                ):
                    self._answer(
                        401,
                        {
                            "error": "invalid_client",
                            "error_description": "Client authentication failed",
                        },
                    )
                elif form.get("refresh_token") != AMAZON_REFRESH_TOKEN:
                    self._answer(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": (
                                "The request has an invalid grant parameter : refresh_token"
                            ),
                        },
                    )
                else:
                    token = f"Atza|access-{len(state.token_requests)}"
                    state.tokens.add(token)
                    self._answer(
                        200,
                        {
                            "access_token": token,
                            "refresh_token": AMAZON_REFRESH_TOKEN,
                            "token_type": "bearer",
                            "expires_in": state.token_lifetime,
                        },
                    )
                return
            if self.path == "/tokens/2021-03-01/restrictedDataToken":
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.headers.get("x-amz-access-token") not in state.tokens:
                    self._answer(
                        403,
                        _errors(
                            "Unauthorized",
                            "Access to requested resource is denied.",
                            "The access token you provided has expired.",
                        ),
                    )
                    return
                body = json.loads(raw)
                state.rdt_requests.append(body)
                if not state.rdt_allowed:
                    self._answer(
                        403, _errors("Unauthorized", "Access to requested resource is denied.")
                    )
                    return
                resource = body["restrictedResources"][0]
                assert resource["method"] == "GET"
                assert resource["dataElements"] == ["buyerInfo", "shippingAddress"]
                token = f"Atz.sprdt|{len(state.rdt_requests)}"
                state.restricted[token] = resource["path"]
                self._answer(200, {"restrictedDataToken": token, "expiresIn": 3600})
                return
            self._answer(404, _errors("NotFound", "Resource not found"))

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            token = self.headers.get("x-amz-access-token", "")
            state.requests.append({"path": parts.path, "query": query, "token": token})
            number = len(state.requests)
            pii = state.restricted.get(token) == parts.path
            if token not in state.tokens and not pii:
                self._answer(
                    403,
                    _errors(
                        "Unauthorized",
                        "Access to requested resource is denied.",
                        "The access token you provided is revoked, malformed or invalid.",
                    ),
                )
                return
            if number in state.expire_requests:
                state.tokens.discard(token)
                state.restricted.pop(token, None)
                self._answer(
                    403,
                    _errors(
                        "Unauthorized",
                        "Access to requested resource is denied.",
                        "The access token you provided has expired.",
                    ),
                )
                return
            if number in state.rate_limit_requests:
                self._answer(
                    429,
                    _errors("QuotaExceeded", "You exceeded your quota for the requested resource."),
                    {"x-amzn-RateLimit-Limit": "0.5"},
                )
                return
            if number in state.server_error_requests:
                self._answer(
                    503,
                    _errors(
                        "InternalFailure", "We encountered an internal error. Please try again."
                    ),
                )
                return
            if number in state.malformed_requests:
                self._answer(200, {"payload": {"Orders": {"AmazonOrderId": "not a list"}}})
                return
            if not state.orders_role:
                self._answer(
                    403, _errors("Unauthorized", "Access to requested resource is denied.")
                )
                return
            if parts.path == "/orders/v0/orders":
                self._orders(query, pii)
                return
            match = re.fullmatch(r"/orders/v0/orders/([^/]+)(/orderItems)?", parts.path)
            if not match:
                self._answer(404, _errors("NotFound", "Resource not found"))
                return
            order_id = unquote(match.group(1))
            found = next((o for o in state.orders if o["AmazonOrderId"] == order_id), None)
            if found is None:
                self._answer(404, _errors("NotFound", f"Order {order_id} not found"))
            elif match.group(2):
                self._items(found, query)
            else:
                self._answer(200, {"payload": _shown(found, pii)})

        def _orders(self, query: dict[str, str], pii: bool) -> None:
            if query.get("MarketplaceIds") != MARKETPLACE_DE:
                self._answer(400, _errors("InvalidInput", "Invalid Input", "MarketplaceIds"))
                return
            if "NextToken" in query:
                since, start = query["NextToken"].split("|")
                offset = int(start)
            elif "LastUpdatedAfter" in query:
                since, offset = query["LastUpdatedAfter"], 0
            else:
                self._answer(
                    400,
                    _errors("InvalidInput", "Either CreatedAfter or LastUpdatedAfter is required"),
                )
                return
            chosen = sorted(
                (o for o in state.orders if o["LastUpdateDate"] >= since),
                key=lambda o: o["LastUpdateDate"],
                reverse=state.newest_first,
            )
            page = chosen[
                offset : offset + min(int(query.get("MaxResultsPerPage", "100")), state.page_size)
            ]
            payload: dict[str, Any] = {"Orders": [_shown(o, pii) for o in page]}
            if offset + len(page) < len(chosen):
                payload["NextToken"] = f"{since}|{offset + len(page)}"
            self._answer(200, {"payload": payload})

        def _items(self, order: dict[str, Any], query: dict[str, str]) -> None:
            start = int(query.get("NextToken", "0"))
            items = order["_items"]
            payload: dict[str, Any] = {
                "AmazonOrderId": order["AmazonOrderId"],
                "OrderItems": items[start : start + 1],  # one a page, so the tests page
            }
            if start + 1 < len(items):
                payload["NextToken"] = str(start + 1)
            self._answer(200, {"payload": payload})

    return Handler


def _shown(order: dict[str, Any], pii: bool) -> dict[str, Any]:
    shown = {k: v for k, v in order.items() if not k.startswith("_")}
    if not pii:
        shown["BuyerInfo"] = {}
        address = shown.get("ShippingAddress") or {}
        shown["ShippingAddress"] = {k: v for k, v in address.items() if k in _PII_FREE_ADDRESS}
    return shown


def ebay_order(
    number: int, *, modified: str = "2026-11-02T10:00:00.000Z", payment: str = "PAID"
) -> dict[str, Any]:
    """A Fulfillment API `Order` (lineItemCost is the line's price: unit price × quantity)."""
    return {
        "orderId": f"{number:02d}-12345-{number + 10000:05d}",
        "legacyOrderId": f"1100{number}-2200{number}",
        "creationDate": "2026-11-01T09:30:00.000Z",
        "lastModifiedDate": modified,
        "orderFulfillmentStatus": "NOT_STARTED",
        "orderPaymentStatus": payment,
        "sellerId": "mugs_seller",
        "buyer": {
            "username": f"buyer_{number}",
            "buyerRegistrationAddress": {
                "fullName": f"Pat Bidder{number}",
                "email": f"pat{number}@example.com",
                "contactAddress": {"city": "Leeds", "countryCode": "GB"},
            },
        },
        "pricingSummary": {
            "priceSubtotal": {"value": "30.00", "currency": "GBP"},
            "deliveryCost": {"value": "4.50", "currency": "GBP"},
            "total": {"value": "34.50", "currency": "GBP"},
        },
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "lineItems": [
            {
                "lineItemId": f"{number}001",
                "legacyItemId": "110012345678",
                "sku": "MUG-1",
                "title": "Mug",
                "quantity": 3,
                "lineItemCost": {"value": "30.00", "currency": "GBP"},
                "lineItemFulfillmentStatus": "NOT_STARTED",
            }
        ],
    }


@dataclass
class EbayServer:
    url: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    token_lifetime: int = 7200
    rate_limit_requests: set[int] = field(default_factory=set)
    server_error_requests: set[int] = field(default_factory=set)
    expire_requests: set[int] = field(default_factory=set)
    newest_first: bool = False  # eBay promises no order; the client must not rely on one
    requests: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)


def _ebay_errors(error_id: int, domain: str, category: str, message: str) -> dict[str, Any]:
    return {
        "errors": [
            {"errorId": error_id, "domain": domain, "category": category, "message": message}
        ]
    }


def _ebay_handler(state: EbayServer) -> type[BaseHTTPRequestHandler]:
    basic = "Basic " + base64.b64encode(f"{EBAY_CLIENT_ID}:{EBAY_CLIENT_SECRET}".encode()).decode()

    class Handler(_Handler):
        def do_POST(self) -> None:
            if self.path != "/identity/v1/oauth2/token":
                self._answer(404, _ebay_errors(2002, "ACCESS", "REQUEST", "Resource not found"))
                return
            form = self._form()
            state.token_requests.append(form)
            if self.headers.get("Authorization") != basic:
                self._answer(
                    401,
                    {
                        "error": "invalid_client",
                        "error_description": "client authentication failed",
                    },
                )
            elif form.get("grant_type") != "refresh_token" or form.get("scope") != EBAY_SCOPE:
                self._answer(
                    400,
                    {
                        "error": "invalid_scope",
                        "error_description": "The requested scope is invalid, unknown or malformed",
                    },
                )
            elif form.get("refresh_token") != EBAY_REFRESH_TOKEN:
                self._answer(
                    400,
                    {
                        "error": "invalid_grant",
                        "error_description": (
                            "the provided authorization refresh token is invalid or was "
                            "issued to another client"
                        ),
                    },
                )
            else:
                token = f"v^1.1#i^1#access-{len(state.token_requests)}"
                state.tokens.add(token)
                self._answer(
                    200,
                    {
                        "access_token": token,
                        "expires_in": state.token_lifetime,
                        "token_type": "User Access Token",
                    },
                )

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
            state.requests.append({"path": parts.path, "query": query, "token": token})
            number = len(state.requests)
            invalid = _ebay_errors(1001, "OAuth", "REQUEST", "Invalid access token")
            if token not in state.tokens:
                self._answer(401, invalid)
                return
            if number in state.expire_requests:
                state.tokens.discard(token)
                self._answer(401, invalid)
                return
            if number in state.rate_limit_requests:
                self._answer(
                    429,
                    _ebay_errors(
                        2001,
                        "ACCESS",
                        "REQUEST",
                        "Too many requests. The request limit has been reached for the resource.",
                    ),
                )
                return
            if number in state.server_error_requests:
                self._answer(
                    500,
                    _ebay_errors(
                        2003,
                        "ACCESS",
                        "APPLICATION",
                        "There was a problem with an eBay internal system or process.",
                    ),
                )
                return
            if parts.path == "/sell/fulfillment/v1/order":
                self._orders(query)
                return
            match = re.fullmatch(r"/sell/fulfillment/v1/order/([^/]+)", parts.path)
            found = None
            if match:
                order_id = unquote(match.group(1))
                found = next((o for o in state.orders if o["orderId"] == order_id), None)
            if found is None:
                self._answer(
                    404, _ebay_errors(32100, "API_FULFILLMENT", "REQUEST", "Invalid order ID")
                )
            else:
                self._answer(200, found)

        def _orders(self, query: dict[str, str]) -> None:
            chosen = state.orders
            if "filter" in query:
                match = re.fullmatch(
                    r"lastmodifieddate:\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\.\.\]",
                    query["filter"],
                )
                if not match:
                    self._answer(
                        400, _ebay_errors(30700, "API_FULFILLMENT", "REQUEST", "Invalid filter")
                    )
                    return
                chosen = [o for o in chosen if o["lastModifiedDate"] >= match.group(1)]
            chosen = sorted(chosen, key=lambda o: o["lastModifiedDate"], reverse=state.newest_first)
            limit = min(int(query.get("limit", "50")), state.page_size)
            offset = int(query.get("offset", "0"))
            page = chosen[offset : offset + limit]
            body: dict[str, Any] = {
                "href": f"{state.url}{self.path}",
                "total": len(chosen),
                "limit": limit,
                "offset": offset,
                "orders": page,
            }
            if offset + limit < len(chosen):
                body["next"] = (
                    f"{state.url}/sell/fulfillment/v1/order?limit={limit}&offset={offset + limit}"
                )
            self._answer(200, body)

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
def running_amazon() -> Iterator[AmazonServer]:
    state = AmazonServer()
    with _running(_amazon_handler(state)) as url:
        state.url = url
        yield state


@contextlib.contextmanager
def running_ebay() -> Iterator[EbayServer]:
    state = EbayServer()
    with _running(_ebay_handler(state)) as url:
        state.url = url
        yield state
