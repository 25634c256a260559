"""Amazon's Selling Partner API (docs/stores.md, "Amazon"): the Orders API v0 behind
`OrderSource`.

- An LWA access token is minted from the seller's refresh token (`POST
  https://api.amazon.com/auth/o2/token`, `grant_type=refresh_token`) and sent as
  `x-amz-access-token`; it is kept until a minute before its `expires_in`, and minted again
  when Amazon refuses it (401, or 403 naming the access token) in the middle of a sync.
- `GET /orders/v0/orders?MarketplaceIds=…&LastUpdatedAfter=…` page by page through
  `payload.NextToken`; each order's lines from `GET /orders/v0/orders/{id}/orderItems` (its own
  NextToken pages); one order from `GET /orders/v0/orders/{id}`.
- Buyers' names and email addresses are personal data Amazon hands out only with a restricted
  data token (`POST /tokens/2021-03-01/restrictedDataToken` for `buyerInfo` and
  `shippingAddress`). An application without that role is refused (403): the orders are then
  read with the plain token and stored without the buyer.
- A 429 is waited out (Retry-After, else one request's worth of the
  `x-amzn-RateLimit-Limit` rate, else 1, 2, 4 … seconds); a 5xx or a dropped connection
  is tried again after 1, 2, 4 and 8 seconds (`sources.http_call_retrying`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.stores.fields import (
    currency_code,
    money,
    payload_instant,
    required_text,
    whole_number,
)
from afterdesk.stores.oauth import MAX_WAIT_SECONDS, TokenClient, backoff_seconds, error_text
from afterdesk.stores.sources import (
    ExternalCustomer,
    ExternalLine,
    ExternalOrder,
    HttpAnswer,
    PlatformError,
)

logger = logging.getLogger(__name__)

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 - an address
REGIONS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
REGION_SELLER_CENTRAL = {
    "NA": "sellercentral.amazon.com",
    "EU": "sellercentral-europe.amazon.com",
    "FE": "sellercentral.amazon.co.jp",
}
# Marketplace id → (Seller Central host, the marketplace's currency): the admin link, and the
# currency of an order Amazon sends without OrderTotal (pending and cancelled ones).
MARKETPLACES = {
    "ATVPDKIKX0DER": ("sellercentral.amazon.com", "USD"),
    "A2EUQ1WTGCTBG2": ("sellercentral.amazon.ca", "CAD"),
    "A1AM78C64UM0Y8": ("sellercentral.amazon.com.mx", "MXN"),
    "A2Q3Y263D00KWC": ("sellercentral.amazon.com.br", "BRL"),
    "A1PA6795UKMFR9": ("sellercentral.amazon.de", "EUR"),
    "A1F83G8C2ARO7P": ("sellercentral.amazon.co.uk", "GBP"),
    "A13V1IB3VIYZZH": ("sellercentral.amazon.fr", "EUR"),
    "APJ6JRA9NG5V4": ("sellercentral.amazon.it", "EUR"),
    "A1RKKUPIHCS9HS": ("sellercentral.amazon.es", "EUR"),
    "A1805IZSGTT6HS": ("sellercentral.amazon.nl", "EUR"),
    "A2NODRKZP88ZB9": ("sellercentral.amazon.se", "SEK"),
    "A1C3SOZRARQ6R3": ("sellercentral.amazon.pl", "PLN"),
    "AMEN7PMS3EDWL": ("sellercentral.amazon.com.be", "EUR"),
    "A33AVAJ2PDY3EV": ("sellercentral.amazon.com.tr", "TRY"),
    "A21TJRUUN4KGV": ("sellercentral.amazon.in", "INR"),
    "A1VC38T7YXB528": ("sellercentral.amazon.co.jp", "JPY"),
    "A39IBJ37TRP1C6": ("sellercentral.amazon.com.au", "AUD"),
    "A19VAU5U5O7RUS": ("sellercentral.amazon.sg", "SGD"),
}
PAGE_SIZE = 100
# The Orders API keeps two years of orders: a first sync asks for all of them.
FIRST_SYNC_DAYS = 730
PII_ELEMENTS = ["buyerInfo", "shippingAddress"]

STATUSES = {
    "PendingAvailability": Order.Status.PENDING,
    "Pending": Order.Status.PENDING,
    "Unshipped": Order.Status.PAID,
    "PartiallyShipped": Order.Status.PAID,
    "Shipped": Order.Status.SHIPPED,
    "InvoiceUnconfirmed": Order.Status.SHIPPED,
    "Canceled": Order.Status.CANCELLED,
    "Unfulfillable": Order.Status.CANCELLED,
}


class AmazonClient(TokenClient):
    """One seller's orders in one marketplace. `base_url` replaces both the regional SP-API
    endpoint and the LWA token endpoint (`<base_url>/auth/o2/token`): a proxy, or the tests'
    local server."""

    platform = "Amazon"
    # Amazon pages in no promised order; `orders_since` sorts every order it read, so the
    # sync's watermark may follow the orders written.
    ordered_by_update = True

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        marketplace_id: str,
        region: str = "NA",
        seller_id: str = "",
        base_url: str = "",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(sleep=sleep, clock=clock)
        region = (region or "NA").upper()
        if region not in REGIONS:
            raise ValidationError("the Amazon region is NA, EU or FE", field="region")
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.marketplace_id = marketplace_id
        self.region = region
        self.seller_id = seller_id
        base = base_url.strip().rstrip("/")
        self.endpoint = base or REGIONS[region]
        self.token_url = f"{base}/auth/o2/token" if base else LWA_TOKEN_URL
        host, currency = MARKETPLACES.get(marketplace_id, (REGION_SELLER_CENTRAL[region], ""))
        self.seller_central = host
        self.currency = currency
        # Restricted data tokens by the path they were minted for: (token, good until).
        self._restricted: dict[str, tuple[str, float]] = {}
        self.restricted_minted = 0
        self.pii_refusal = ""  # Amazon's words when it refused the buyers' details

    # Tokens -------------------------------------------------------------------------------

    def token_mint(self) -> tuple[str, float]:
        body = urlencode(
            {
                "grant_type": "refresh_token",
                "refresh_token": self.refresh_token,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            }
        ).encode()
        answer = self.send(
            "POST",
            self.token_url,
            headers=lambda: {
                "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8",
                "Accept": "application/json",
            },
            body=body,
            refresh=False,
        )
        return self.token_answer(answer, "LWA credentials (client id and secret, refresh token)")

    def token_refused(self, answer: HttpAnswer) -> bool:
        """An expired or revoked token: 401, or Amazon's 403 `Unauthorized` whose details name
        the access token ("The access token you provided has expired.")."""
        if answer.status == 401:
            return True
        return answer.status == 403 and "access token" in error_text(answer).lower()

    def rate_limit_wait(self, answer: HttpAnswer, attempt: int) -> float:
        if answer.headers.get("retry-after"):
            return super().rate_limit_wait(answer, attempt)
        try:
            rate = float(answer.headers.get("x-amzn-ratelimit-limit", ""))
        except ValueError:
            rate = 0.0
        # The operation's rate is requests per second: one request's worth of quota.
        per_request = 1.0 / rate if rate > 0 else 0.0
        return min(max(per_request, backoff_seconds(attempt)), MAX_WAIT_SECONDS)

    def restricted_token(self, path: str) -> str | None:
        """A restricted data token for the buyers' details at `path`; None once Amazon has
        refused this application the role (the calls then go with the plain token)."""
        if self.pii_refusal:
            return None
        cached = self._restricted.get(path)
        if cached and self.clock() < cached[1]:
            return cached[0]
        body = json.dumps(
            {"restrictedResources": [{"method": "GET", "path": path, "dataElements": PII_ELEMENTS}]}
        ).encode()
        answer = self.send(
            "POST",
            f"{self.endpoint}/tokens/2021-03-01/restrictedDataToken",
            headers=lambda: self._headers(self.access_token(), json_body=True),
            body=body,
        )
        if answer.status in (400, 403):
            self.pii_refusal = error_text(answer) or f"HTTP {answer.status}"
            logger.info(
                "amazon restricted data token refused, orders without buyer details: %s",
                self.pii_refusal,
            )
            return None
        if answer.status != 200:
            raise PlatformError(f"Amazon's Tokens API answered HTTP {answer.status}")
        document = answer.json()
        token = document.get("restrictedDataToken") if isinstance(document, dict) else None
        if not isinstance(token, str) or not token:
            raise PlatformError("Amazon's Tokens API answered no restrictedDataToken")
        lifetime = document.get("expiresIn", 3600)
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)):
            lifetime = 3600
        self.restricted_minted += 1
        until = self.clock() + max(float(lifetime) - 60.0, 0.0)
        self._restricted[path] = (token, until)
        return token

    def _headers(self, token: str, *, json_body: bool = False) -> dict[str, str]:
        headers = {
            "x-amz-access-token": token,
            "Accept": "application/json",
            "User-Agent": "Afterdesk/1.0 (Language=Python)",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        return headers

    # Calls --------------------------------------------------------------------------------

    def get(self, path: str, query: dict[str, str], *, pii: bool = False) -> dict[str, Any] | None:
        """The `payload` object of one GET; None for a 404."""
        url = f"{self.endpoint}{path}" + (f"?{urlencode(query)}" if query else "")

        def headers() -> dict[str, str]:
            restricted = self.restricted_token(path) if pii else None
            return self._headers(restricted or self.access_token())

        answer = self.send("GET", url, headers=headers, on_refused=self._restricted.clear)
        if answer.status == 404:
            return None
        if answer.status in (401, 403):
            detail = error_text(answer) or f"HTTP {answer.status}"
            raise PlatformError(f"Amazon refused the call to {path.split('?')[0]}: {detail}")
        if answer.status != 200:
            detail = error_text(answer)
            raise PlatformError(f"Amazon answered HTTP {answer.status}: {detail}".rstrip(": "))
        document = answer.json()
        payload = document.get("payload") if isinstance(document, dict) else None
        if not isinstance(payload, dict):
            raise PlatformError("Amazon answered without a payload object")
        return payload

    def orders_since(self, since: datetime | None) -> Iterator[ExternalOrder]:
        after = since or datetime.now(UTC) - timedelta(days=FIRST_SYNC_DAYS)
        query = {
            "MarketplaceIds": self.marketplace_id,
            "LastUpdatedAfter": after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "MaxResultsPerPage": str(PAGE_SIZE),
        }
        # Amazon does not sort by LastUpdateDate, and the sync keeps its watermark at the
        # newest order written: every page is read (and each order checked) first, then the
        # orders go oldest change first, each with its lines.
        listed: list[tuple[datetime, dict[str, Any]]] = []
        while True:
            payload = self.get("/orders/v0/orders", query, pii=True)
            if payload is None:
                raise PlatformError("Amazon answered 404 for the orders")
            orders = payload.get("Orders")
            if not isinstance(orders, list):
                raise PlatformError("Amazon answered orders that are not a list (payload.Orders)")
            for index, data in enumerate(orders):
                checked = self._checked(data, [], index)
                listed.append((checked.updated_at or checked.placed_at, data))
            token = payload.get("NextToken")
            if not token:
                break
            query = {"MarketplaceIds": self.marketplace_id, "NextToken": str(token)}
        listed.sort(key=lambda pair: pair[0])
        for index, (_when, data) in enumerate(listed):
            yield self._order(data, index)

    def order_fetch(self, external_id: str) -> ExternalOrder | None:
        payload = self.get(f"/orders/v0/orders/{quote(external_id, safe='')}", {}, pii=True)
        return self._order(payload, 0) if payload is not None else None

    def order_items(self, order_id: str) -> list[Any]:
        path = f"/orders/v0/orders/{quote(order_id, safe='')}/orderItems"
        items: list[Any] = []
        query: dict[str, str] = {}
        while True:
            payload = self.get(path, query)
            if payload is None:
                raise PlatformError(f"Amazon has no items for order {order_id}")
            page = payload.get("OrderItems")
            if not isinstance(page, list):
                raise PlatformError(
                    f"Amazon answered items of order {order_id} that are not a list "
                    "(payload.OrderItems)"
                )
            items += page
            token = payload.get("NextToken")
            if not token:
                return items
            query = {"NextToken": str(token)}

    def _order(self, data: Any, index: int) -> ExternalOrder:
        """The order with its lines (one more call, or more for many lines)."""
        order_id = self._checked(data, [], index).external_id
        return self._checked(data, self.order_items(order_id), index)

    def _checked(self, data: Any, items: list[Any], index: int) -> ExternalOrder:
        try:
            if not isinstance(data, dict):
                raise ValidationError("the order must be a JSON object", field=f"Orders[{index}]")
            return order_from_payload(
                data,
                items,
                admin_base=f"https://{self.seller_central}",
                default_currency=self.currency,
            )
        except ValidationError as error:
            raise PlatformError(f"Amazon sent an order the desk cannot read: {error}") from error


def order_from_payload(
    data: dict[str, Any], items: list[Any], *, admin_base: str, default_currency: str = ""
) -> ExternalOrder:
    """An Orders API v0 `Order` and its `OrderItems`; a ValidationError naming the first field
    that is wrong. `ItemPrice` is the line's price (unit price × quantity)."""
    order_id = required_text(data, "AmazonOrderId")
    lines = []
    item_currency = ""
    for index, item in enumerate(items):
        where = f"OrderItems[{index}]"
        if not isinstance(item, dict):
            raise ValidationError("each order item must be an object", field=where)
        quantity = whole_number(item.get("QuantityOrdered", 0), f"{where}.QuantityOrdered")
        price = item.get("ItemPrice") or {}
        if not isinstance(price, dict):
            raise ValidationError("ItemPrice must be an object", field=f"{where}.ItemPrice")
        amount = money(price.get("Amount", "0"), f"{where}.ItemPrice.Amount")
        if price.get("CurrencyCode") and not item_currency:
            item_currency = currency_code(price.get("CurrencyCode"))
        unit = (amount / quantity).quantize(Decimal("0.01")) if quantity else amount
        lines.append(
            ExternalLine(
                sku=str(item.get("SellerSKU") or item.get("ASIN") or ""),
                title=str(item.get("Title") or ""),
                quantity=quantity,
                unit_price=unit,
            )
        )
    total_data = data.get("OrderTotal")
    if total_data is not None and not isinstance(total_data, dict):
        raise ValidationError("OrderTotal must be an object", field="OrderTotal")
    if total_data:
        currency = currency_code(total_data.get("CurrencyCode"))
        total = money(total_data.get("Amount"), "OrderTotal.Amount")
    else:
        # Pending and cancelled orders come without OrderTotal.
        currency = currency_code(item_currency or default_currency or None)
        total = sum((line.unit_price * line.quantity for line in lines), Decimal("0.00"))
    status = str(data.get("OrderStatus") or "")
    placed = payload_instant(data, "PurchaseDate")
    updated = payload_instant(data, "LastUpdateDate") if data.get("LastUpdateDate") else None
    return ExternalOrder(
        external_id=order_id,
        number=order_id,
        placed_at=placed,
        updated_at=updated,
        currency=currency,
        total=total,
        status=STATUSES.get(status, Order.Status.PENDING),
        fulfillment_status=status,
        admin_url=f"{admin_base.rstrip('/')}/orders-v3/order/{order_id}",
        customer=_buyer(data),
        lines=lines,
    )


def _buyer(data: dict[str, Any]) -> ExternalCustomer | None:
    """The buyer when Amazon gave their details (a restricted data token): found again by
    their email address (Amazon's relay address per buyer and seller). Without it, None."""
    info = data.get("BuyerInfo") if isinstance(data.get("BuyerInfo"), dict) else {}
    address = data.get("ShippingAddress") if isinstance(data.get("ShippingAddress"), dict) else {}
    email = str((info or {}).get("BuyerEmail") or "").strip()
    if not email:
        return None
    name = str((info or {}).get("BuyerName") or (address or {}).get("Name") or "")
    return ExternalCustomer(
        external_id=f"email:{email.lower()}"[:100],
        email=email,
        name=name,
        country=str((address or {}).get("CountryCode") or ""),
    )
