"""Shopify's Admin GraphQL API (docs/stores.md, "Shopify"): orders page by page (`orders(first,
after, query: "updated_at:>=…", sortKey: UPDATED_AT)` with `pageInfo`), one order, and
`refundCreate`. Shopify limits by calculated query cost: every answer carries
`extensions.cost.throttleStatus`; a THROTTLED error is waited out for
(requestedQueryCost − currentlyAvailable) / restoreRate seconds, then the same call is sent again.
A 5xx answer or no answer is sent again with exponential backoff (`sources.http_call_retrying`).

Webhook bodies use the REST shapes (`order_from_webhook`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.stores.fields import (
    currency_code,
    decimal_of,
    instant_of,
    money,
    name_join,
    payload_instant,
    required_text,
    whole_number,
)
from afterdesk.stores.sources import (
    TRANSIENT_RETRIES,
    ExternalCustomer,
    ExternalLine,
    ExternalOrder,
    PlatformError,
    http_call_retrying,
    retry_after_seconds,
)

API_VERSION = "2025-10"
PAGE_SIZE = 50
MAX_THROTTLED_RETRIES = 8
LINE_ITEMS = 100

ORDER_FIELDS = f"""
  id legacyResourceId name createdAt updatedAt cancelledAt email currencyCode
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
  customer {{ id email firstName lastName }}
  shippingAddress {{ countryCodeV2 }}
  lineItems(first: {LINE_ITEMS}) {{
    nodes {{ id sku title quantity originalUnitPriceSet {{ shopMoney {{ amount }} }} }}
  }}
"""
ORDERS_QUERY = (
    "query Orders($first: Int!, $after: String, $query: String) {"
    " orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {"
    f" pageInfo {{ hasNextPage endCursor }} nodes {{ {ORDER_FIELDS} }} }} }}"
)
ORDER_QUERY = f"query Order($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"
TRANSACTIONS_QUERY = (
    "query OrderTransactions($id: ID!) { order(id: $id) {"
    " transactions { id gateway kind status } } }"
)
REFUND_MUTATION = (
    "mutation RefundCreate($input: RefundInput!) { refundCreate(input: $input) {"
    " refund { id totalRefundedSet { presentmentMoney { amount currencyCode } } }"
    " userErrors { field message } } }"
)


def order_gid(external_id: str) -> str:
    return external_id if external_id.startswith("gid://") else f"gid://shopify/Order/{external_id}"


class ShopifyClient:
    """`base_url` is https://<shop>.myshopify.com; `sleep` waits out throttling."""

    ordered_by_update = True  # orders(sortKey: UPDATED_AT): the sync's watermark may follow

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        api_version: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.api_version = api_version or API_VERSION
        self.sleep = sleep
        self.throttle_waits: list[float] = []
        self.transient_waits: list[float] = []  # backoff after 5xx answers and no answer

    @property
    def endpoint(self) -> str:
        return f"{self.base_url}/admin/api/{self.api_version}/graphql.json"

    def admin_url(self, legacy_id: str) -> str:
        return f"{self.base_url}/admin/orders/{legacy_id}"

    def graphql(
        self, query: str, variables: dict[str, Any], *, idempotent: bool = True
    ) -> dict[str, Any]:
        """The `data` of one call, sent again after each THROTTLED answer (or HTTP 429: Shopify
        ran nothing), and, when `idempotent`, after a 5xx or no answer with backoff. A
        mutation is not: it may have run before its answer was lost (a refund twice)."""
        body = json.dumps({"query": query, "variables": variables}).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-Shopify-Access-Token": self.access_token,
        }
        for _attempt in range(MAX_THROTTLED_RETRIES + 1):
            answer = http_call_retrying(
                "POST",
                self.endpoint,
                headers=headers,
                body=body,
                sleep=self.sleep,
                waits=self.transient_waits,
                retries=TRANSIENT_RETRIES if idempotent else 0,
            )
            if answer.status == 429:
                self._wait(retry_after_seconds(answer.headers.get("retry-after", ""), default=2))
                continue
            if answer.status in (401, 403):
                raise PlatformError(f"Shopify refused the access token (HTTP {answer.status})")
            if answer.status != 200:
                raise PlatformError(f"Shopify answered HTTP {answer.status}")
            document = answer.json()
            if not isinstance(document, dict):
                raise PlatformError("Shopify answered JSON that is not an object")
            errors = document.get("errors") or []
            if any(_error_code(e) == "THROTTLED" for e in errors):
                self._wait(_throttle_wait(document))
                continue
            if errors:
                messages = "; ".join(
                    str(e.get("message", e)) for e in errors if isinstance(e, dict)
                )
                raise PlatformError(f"Shopify: {messages or errors}"[:500])
            data = document.get("data")
            if not isinstance(data, dict):
                raise PlatformError("Shopify answered without data")
            return data
        raise PlatformError(f"Shopify still throttled after {MAX_THROTTLED_RETRIES} waits")

    def _wait(self, seconds: float) -> None:
        self.throttle_waits.append(seconds)
        self.sleep(seconds)

    # --- OrderSource --------------------------------------------------------------------

    def orders_since(self, since: datetime | None) -> Iterator[ExternalOrder]:
        search = f"updated_at:>='{since.isoformat()}'" if since else None
        cursor: str | None = None
        while True:
            data = self.graphql(
                ORDERS_QUERY, {"first": PAGE_SIZE, "after": cursor, "query": search}
            )
            connection = data.get("orders") or {}
            for node in connection.get("nodes") or []:
                yield self.order_from_graphql(node)
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage"):
                return
            cursor = page.get("endCursor")
            if not cursor:
                raise PlatformError("Shopify said there is a next page but gave no endCursor")

    def order_fetch(self, external_id: str) -> ExternalOrder | None:
        node = self.graphql(ORDER_QUERY, {"id": order_gid(external_id)}).get("order")
        return self.order_from_graphql(node) if node else None

    # --- Refunds ------------------------------------------------------------------------

    def refund_create(
        self,
        order: str,
        amount: Decimal,
        currency: str,
        reason: str,
        lines: list[tuple[str, int]] | None = None,
    ) -> dict[str, Any]:
        """Refund `amount` of `order` (its Shopify id) to the payment it was paid with, with
        `reason` as the refund's note; `lines` are (line item id, quantity) to restock.
        Returns the refund (`id`, `totalRefundedSet`); a PlatformError names Shopify's
        userErrors."""
        if amount <= 0:
            raise ValidationError("a refund amount must be positive", field="amount")
        gid = order_gid(order)
        found = self.graphql(TRANSACTIONS_QUERY, {"id": gid}).get("order")
        if not found:
            raise PlatformError(f"Shopify has no order {order}")
        paid = [
            t
            for t in found.get("transactions") or []
            if t.get("kind") in ("SALE", "CAPTURE") and t.get("status") == "SUCCESS"
        ]
        if not paid:
            raise PlatformError(f"order {order} has no successful payment to refund")
        payment = paid[0]
        refund_input: dict[str, Any] = {
            "orderId": gid,
            "note": reason,
            "currency": currency.upper(),
            "notify": True,
            "transactions": [
                {
                    "orderId": gid,
                    "parentId": payment["id"],
                    "gateway": payment["gateway"],
                    "kind": "REFUND",
                    "amount": str(amount),
                }
            ],
        }
        if lines:
            refund_input["refundLineItems"] = [
                {"lineItemId": line_id, "quantity": quantity, "restockType": "RETURN"}
                for line_id, quantity in lines
            ]
        answer = self.graphql(REFUND_MUTATION, {"input": refund_input}, idempotent=False)
        result = answer.get("refundCreate") or {}
        user_errors = result.get("userErrors") or []
        if user_errors:
            raise PlatformError(
                "Shopify refused the refund: "
                + "; ".join(str(e.get("message")) for e in user_errors)
            )
        refund = result.get("refund")
        if not isinstance(refund, dict):
            raise PlatformError("Shopify answered refundCreate without a refund")
        return refund

    # --- Mapping ------------------------------------------------------------------------

    def order_from_graphql(self, node: dict[str, Any]) -> ExternalOrder:
        try:
            shop_money = node["totalPriceSet"]["shopMoney"]
            customer = node.get("customer") or None
            address = node.get("shippingAddress") or {}
            legacy = str(node["legacyResourceId"])
            financial = str(node.get("displayFinancialStatus") or "")
            fulfillment = str(node.get("displayFulfillmentStatus") or "")
            lines = [
                ExternalLine(
                    sku=str(line.get("sku") or ""),
                    title=str(line.get("title") or ""),
                    quantity=int(line.get("quantity") or 0),
                    unit_price=decimal_of(line["originalUnitPriceSet"]["shopMoney"]["amount"]),
                )
                for line in (node.get("lineItems") or {}).get("nodes") or []
            ]
            email = str(node.get("email") or (customer or {}).get("email") or "")
            return ExternalOrder(
                external_id=legacy,
                number=str(node["name"]),
                placed_at=instant_of(node["createdAt"]),
                updated_at=instant_of(node.get("updatedAt")) if node.get("updatedAt") else None,
                currency=str(shop_money.get("currencyCode") or node.get("currencyCode") or ""),
                total=decimal_of(shop_money["amount"]),
                status=order_status(
                    financial, fulfillment, cancelled=bool(node.get("cancelledAt"))
                ),
                financial_status=financial.lower(),
                fulfillment_status=fulfillment.lower(),
                admin_url=self.admin_url(legacy),
                customer=ExternalCustomer(
                    external_id=str(customer["id"]).rsplit("/", 1)[-1],
                    email=email,
                    name=name_join(customer.get("firstName"), customer.get("lastName")),
                    country=str(address.get("countryCodeV2") or ""),
                )
                if customer
                else None,
                lines=lines,
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as error:
            raise PlatformError(f"Shopify sent an order the desk cannot read: {error!r}") from error


def order_from_webhook(data: dict[str, Any], *, admin_base: str) -> ExternalOrder:
    """An orders/create or orders/updated body (REST shape); a ValidationError naming the
    first field that is wrong."""
    legacy = required_text(data, "id")
    financial = str(data.get("financial_status") or "")
    fulfillment = str(data.get("fulfillment_status") or "unfulfilled")
    customer = data.get("customer") if isinstance(data.get("customer"), dict) else None
    address = data.get("shipping_address") if isinstance(data.get("shipping_address"), dict) else {}
    items = data.get("line_items") or []
    if not isinstance(items, list):
        raise ValidationError("line_items must be a list", field="line_items")
    lines = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValidationError("each line item must be an object", field=f"line_items[{index}]")
        lines.append(
            ExternalLine(
                sku=str(item.get("sku") or ""),
                title=str(item.get("title") or item.get("name") or ""),
                quantity=whole_number(item.get("quantity", 1), f"line_items[{index}].quantity"),
                unit_price=money(item.get("price", "0"), f"line_items[{index}].price"),
            )
        )
    return ExternalOrder(
        external_id=legacy,
        number=str(data.get("name") or f"#{data.get('order_number', legacy)}"),
        placed_at=payload_instant(data, "created_at"),
        updated_at=payload_instant(data, "updated_at") if data.get("updated_at") else None,
        currency=currency_code(data.get("currency")),
        total=money(data.get("total_price"), "total_price"),
        status=order_status(financial, fulfillment, cancelled=bool(data.get("cancelled_at"))),
        financial_status=financial.lower(),
        fulfillment_status=fulfillment.lower(),
        admin_url=f"{admin_base.rstrip('/')}/admin/orders/{legacy}",
        customer=customer_from_webhook(
            customer,
            email=str(data.get("email") or ""),
            country=str((address or {}).get("country_code") or ""),
        )
        if customer
        else None,
        lines=lines,
    )


def customer_from_webhook(
    data: dict[str, Any], *, email: str = "", country: str = ""
) -> ExternalCustomer:
    address = data.get("default_address") if isinstance(data.get("default_address"), dict) else {}
    return ExternalCustomer(
        external_id=required_text(data, "id"),
        email=str(data.get("email") or email or ""),
        name=name_join(data.get("first_name"), data.get("last_name")),
        country=str(country or (address or {}).get("country_code") or ""),
    )


def order_status(financial: str, fulfillment: str, *, cancelled: bool) -> str:
    """Shopify's financial and fulfilment statuses (either case) as one commerce status."""
    financial, fulfillment = financial.upper(), fulfillment.upper()
    if financial == "REFUNDED":
        return Order.Status.REFUNDED
    if cancelled or financial == "VOIDED":
        return Order.Status.CANCELLED
    if financial == "PARTIALLY_REFUNDED":
        return Order.Status.PARTIALLY_REFUNDED
    if fulfillment in ("FULFILLED", "PARTIALLY_FULFILLED", "PARTIAL"):
        return Order.Status.SHIPPED
    if financial in ("PAID", "PARTIALLY_PAID"):
        return Order.Status.PAID
    return Order.Status.PENDING


def _error_code(error: Any) -> str:
    if not isinstance(error, dict):
        return ""
    extensions = error.get("extensions")
    return str(extensions.get("code", "")) if isinstance(extensions, dict) else ""


def _throttle_wait(document: dict[str, Any]) -> float:
    """Seconds until the bucket holds the query's requested cost again (at least 0.05 s,
    at most a minute); one second when Shopify gave no throttle status."""
    try:
        cost = document["extensions"]["cost"]
        status = cost["throttleStatus"]
        missing = float(cost["requestedQueryCost"]) - float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return 1.0
    if rate <= 0:
        return 1.0
    return min(max(missing / rate, 0.05), 60.0)
