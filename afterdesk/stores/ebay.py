"""eBay's Sell Fulfillment API (docs/stores.md, "eBay") behind `OrderSource`.

- A user access token is minted from the seller's refresh token (`POST
  /identity/v1/oauth2/token`, HTTP Basic `client_id:client_secret`,
  `grant_type=refresh_token`, the `sell.fulfillment` scope) and sent as a Bearer token; it is
  kept until a minute before its `expires_in` (two hours), and minted again on a 401.
- `GET /sell/fulfillment/v1/order?filter=lastmodifieddate:[<since>..]&limit=…&offset=…` page
  by page while the answer has a `next` page; one order from `GET
  /sell/fulfillment/v1/order/{orderId}`.
- A 429 is waited out (Retry-After, else 1, 2, 4 … seconds); a 5xx or a dropped connection
  is tried again after 1, 2, 4 and 8 seconds (`sources.http_call_retrying`).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
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
from afterdesk.stores.oauth import TokenClient, error_text
from afterdesk.stores.sources import ExternalCustomer, ExternalLine, ExternalOrder, PlatformError

ENVIRONMENTS = {
    "production": ("https://api.ebay.com", "https://www.ebay.com"),
    "sandbox": ("https://api.sandbox.ebay.com", "https://www.sandbox.ebay.com"),
}
SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
PAGE_SIZE = 50


def order_status(payment: str, fulfillment: str, cancel_state: str) -> str:
    """The desk's status from eBay's payment, fulfilment and cancellation states."""
    if cancel_state == "CANCELED":
        return Order.Status.CANCELLED
    if payment == "FULLY_REFUNDED":
        return Order.Status.REFUNDED
    if payment == "PARTIALLY_REFUNDED":
        return Order.Status.PARTIALLY_REFUNDED
    if fulfillment == "FULFILLED":
        return Order.Status.SHIPPED
    if payment == "PAID":
        return Order.Status.PAID
    return Order.Status.PENDING


class EbayClient(TokenClient):
    """One seller's eBay orders. `base_url` replaces the API host of the environment
    (`https://api.ebay.com`, `https://api.sandbox.ebay.com`) for the token and the orders: a
    proxy, or the tests' local server."""

    platform = "eBay"
    # eBay pages in no promised order; `orders_since` sorts every order it read, so the
    # sync's watermark may follow the orders written.
    ordered_by_update = True

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        environment: str = "production",
        base_url: str = "",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(sleep=sleep, clock=clock)
        environment = (environment or "production").lower()
        if environment not in ENVIRONMENTS:
            raise ValidationError(
                "the eBay environment is production or sandbox", field="environment"
            )
        api, site = ENVIRONMENTS[environment]
        self.endpoint = base_url.strip().rstrip("/") or api
        self.site = site
        self.refresh_token = refresh_token
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode("ascii")
        self._basic = f"Basic {basic}"

    def token_mint(self) -> tuple[str, float]:
        body = urlencode(
            {"grant_type": "refresh_token", "refresh_token": self.refresh_token, "scope": SCOPE}
        ).encode()
        answer = self.send(
            "POST",
            f"{self.endpoint}/identity/v1/oauth2/token",
            headers=lambda: {
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Authorization": self._basic,
            },
            body=body,
            refresh=False,
        )
        return self.token_answer(answer, "OAuth credentials (client id and secret, refresh token)")

    def get(self, path: str, query: dict[str, str]) -> dict[str, Any] | None:
        """The JSON object of one GET under /sell/fulfillment/v1; None for a 404."""
        url = f"{self.endpoint}/sell/fulfillment/v1/{path}"
        if query:
            url += "?" + urlencode(query)
        answer = self.send(
            "GET",
            url,
            headers=lambda: {
                "Authorization": f"Bearer {self.access_token()}",
                "Accept": "application/json",
            },
        )
        if answer.status == 404:
            return None
        if answer.status in (401, 403):
            detail = error_text(answer) or f"HTTP {answer.status}"
            raise PlatformError(f"eBay refused the call: {detail}")
        if answer.status != 200:
            detail = error_text(answer)
            raise PlatformError(f"eBay answered HTTP {answer.status}: {detail}".rstrip(": "))
        document = answer.json()
        if not isinstance(document, dict):
            raise PlatformError("eBay answered JSON that is not an object")
        return document

    def orders_since(self, since: datetime | None) -> Iterator[ExternalOrder]:
        # eBay does not sort by lastModifiedDate, and the sync keeps its watermark at the
        # newest order written: every page is read (each order checked) first, then the orders
        # go oldest change first. A malformed order stops the sync before anything is written.
        found: list[ExternalOrder] = []
        offset = 0
        while True:
            query = {"limit": str(PAGE_SIZE), "offset": str(offset)}
            if since is not None:
                instant = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
                    f"{since.astimezone(UTC).microsecond // 1000:03d}Z"
                )
                query = {"filter": f"lastmodifieddate:[{instant}..]", **query}
            page = self.get("order", query)
            if page is None:
                raise PlatformError("eBay answered 404 for the orders")
            orders = page.get("orders", [])
            if not isinstance(orders, list):
                raise PlatformError("eBay answered orders that are not a list (orders)")
            found += [self._order(data) for data in orders]
            if not page.get("next") or not orders:
                break
            offset += len(orders)
        found.sort(key=lambda order: order.updated_at or order.placed_at)
        yield from found

    def order_fetch(self, external_id: str) -> ExternalOrder | None:
        data = self.get(f"order/{quote(external_id, safe='')}", {})
        return self._order(data) if data is not None else None

    def _order(self, data: Any) -> ExternalOrder:
        try:
            return order_from_payload(data, site=self.site)
        except ValidationError as error:
            raise PlatformError(f"eBay sent an order the desk cannot read: {error}") from error


def order_from_payload(data: Any, *, site: str) -> ExternalOrder:
    """A Fulfillment API `Order`; a ValidationError naming the first field that is wrong.
    `lineItemCost` is the line's price (unit price × quantity)."""
    if not isinstance(data, dict):
        raise ValidationError("the order must be a JSON object", field="orders[]")
    order_id = required_text(data, "orderId")
    summary = data.get("pricingSummary")
    total_data = summary.get("total") if isinstance(summary, dict) else None
    if not isinstance(total_data, dict):
        raise ValidationError("pricingSummary.total is required", field="pricingSummary.total")
    currency = currency_code(total_data.get("currency"))
    total = money(total_data.get("value"), "pricingSummary.total.value")
    items = data.get("lineItems") or []
    if not isinstance(items, list):
        raise ValidationError("lineItems must be a list", field="lineItems")
    lines = []
    for index, item in enumerate(items):
        where = f"lineItems[{index}]"
        if not isinstance(item, dict):
            raise ValidationError("each line item must be an object", field=where)
        quantity = whole_number(item.get("quantity", 1), f"{where}.quantity")
        cost = item.get("lineItemCost") or {}
        if not isinstance(cost, dict):
            raise ValidationError("lineItemCost must be an object", field=f"{where}.lineItemCost")
        amount = money(cost.get("value", "0"), f"{where}.lineItemCost.value")
        lines.append(
            ExternalLine(
                sku=str(item.get("sku") or item.get("legacyItemId") or ""),
                title=str(item.get("title") or ""),
                quantity=quantity,
                unit_price=(amount / quantity).quantize(Decimal("0.01")) if quantity else amount,
            )
        )
    payment = str(data.get("orderPaymentStatus") or "")
    fulfillment = str(data.get("orderFulfillmentStatus") or "")
    cancel = data.get("cancelStatus") if isinstance(data.get("cancelStatus"), dict) else {}
    cancel_state = str((cancel or {}).get("cancelState") or "")
    updated_key = "lastModifiedDate"
    return ExternalOrder(
        external_id=order_id,
        number=order_id,
        placed_at=payload_instant(data, "creationDate"),
        updated_at=payload_instant(data, updated_key) if data.get(updated_key) else None,
        currency=currency,
        total=total,
        status=order_status(payment, fulfillment, cancel_state),
        financial_status=payment,
        fulfillment_status=fulfillment,
        admin_url=f"{site}/sh/ord/details?orderid={quote(order_id, safe='')}",
        customer=_buyer(data),
        lines=lines,
    )


def _buyer(data: dict[str, Any]) -> ExternalCustomer | None:
    """The buyer by their eBay username, with the email address, name and country of their
    registration address when eBay gives them."""
    buyer = data.get("buyer") if isinstance(data.get("buyer"), dict) else None
    if not buyer or not buyer.get("username"):
        return None
    address = buyer.get("buyerRegistrationAddress")
    address = address if isinstance(address, dict) else {}
    contact = address.get("contactAddress")
    contact = contact if isinstance(contact, dict) else {}
    return ExternalCustomer(
        external_id=str(buyer["username"])[:100],
        email=str(address.get("email") or "").strip(),
        name=str(address.get("fullName") or ""),
        country=str(contact.get("countryCode") or ""),
    )
