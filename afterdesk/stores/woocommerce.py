"""WooCommerce's REST API v3 (docs/stores.md, "WooCommerce"): `GET /wp-json/wc/v3/orders`
page by page (`per_page`, `page`, `modified_after`, oldest change first) until
`X-WP-TotalPages`, with the consumer key and secret as HTTP Basic credentials (HTTPS only); a
429 is waited out for its Retry-After seconds and the same page asked again; a 5xx answer or no
answer is asked again with exponential backoff (`sources.http_call_retrying`). Webhook bodies
are the same order objects."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from afterdesk.commerce.models import Order
from afterdesk.core.errors import ValidationError
from afterdesk.stores.fields import (
    currency_code,
    money,
    name_join,
    payload_instant,
    required_text,
    whole_number,
)
from afterdesk.stores.sources import (
    ExternalCustomer,
    ExternalLine,
    ExternalOrder,
    PlatformError,
    http_call_retrying,
    retry_after_seconds,
)

PAGE_SIZE = 50
MAX_RATE_LIMITED_RETRIES = 8

STATUSES = {
    "pending": Order.Status.PENDING,
    "on-hold": Order.Status.PENDING,
    "failed": Order.Status.PENDING,
    "checkout-draft": Order.Status.PENDING,
    "processing": Order.Status.PAID,
    "completed": Order.Status.SHIPPED,
    "cancelled": Order.Status.CANCELLED,
    "refunded": Order.Status.REFUNDED,
}


class WooCommerceClient:
    ordered_by_update = True  # orderby=modified, order=asc: the sync's watermark may follow

    def __init__(
        self,
        *,
        base_url: str,
        consumer_key: str,
        consumer_secret: str,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        token = base64.b64encode(f"{consumer_key}:{consumer_secret}".encode()).decode("ascii")
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}
        self.sleep = sleep
        self.rate_limit_waits: list[float] = []
        self.transient_waits: list[float] = []  # backoff after 5xx answers and no answer

    def get(self, path: str, query: dict[str, str]) -> tuple[Any, dict[str, str]]:
        url = f"{self.base_url}/wp-json/wc/v3/{path}"
        if query:
            url += "?" + urlencode(query)
        for _attempt in range(MAX_RATE_LIMITED_RETRIES + 1):
            answer = http_call_retrying(
                "GET", url, headers=self.headers, sleep=self.sleep, waits=self.transient_waits
            )
            if answer.status == 429:
                wait = retry_after_seconds(answer.headers.get("retry-after", ""), default=2)
                self.rate_limit_waits.append(wait)
                self.sleep(wait)
                continue
            if answer.status == 404:
                return None, answer.headers
            if answer.status in (401, 403):
                raise PlatformError(f"WooCommerce refused the REST API keys (HTTP {answer.status})")
            if answer.status != 200:
                raise PlatformError(f"WooCommerce answered HTTP {answer.status}")
            return answer.json(), answer.headers
        raise PlatformError(
            f"WooCommerce still answered 429 after {MAX_RATE_LIMITED_RETRIES} waits"
        )

    def refund_create(
        self, order: str, amount: Decimal, currency: str, reason: str
    ) -> dict[str, Any]:
        """`POST orders/<id>/refunds` with `api_refund: true`, so the payment gateway pays the
        money back (not only a record in WooCommerce). Sent once: a refund is not safe to send
        again after a lost answer. Returns the refund (`id`, `amount`); `currency` is the
        order's (WooCommerce refunds in it), checked by the caller."""
        if amount <= 0:
            raise ValidationError("a refund amount must be positive", field="amount")
        url = f"{self.base_url}/wp-json/wc/v3/orders/{order}/refunds"
        body = json.dumps({"amount": str(amount), "reason": reason, "api_refund": True})
        answer = http_call_retrying(
            "POST",
            url,
            headers={**self.headers, "Content-Type": "application/json"},
            body=body.encode(),
            sleep=self.sleep,
            retries=0,
        )
        if answer.status in (401, 403):
            raise PlatformError(f"WooCommerce refused the REST API keys (HTTP {answer.status})")
        if answer.status not in (200, 201):
            try:
                found = answer.json()
            except PlatformError:
                found = None
            message = str(found.get("message", "")) if isinstance(found, dict) else ""
            raise PlatformError(
                f"WooCommerce refused the refund (HTTP {answer.status}) {message}".strip()[:500]
            )
        refund = answer.json()
        if not isinstance(refund, dict) or "id" not in refund:
            raise PlatformError("WooCommerce answered the refund without an id")
        return refund

    def orders_since(self, since: datetime | None) -> Iterator[ExternalOrder]:
        page = 1
        while True:
            query = {
                "per_page": str(PAGE_SIZE),
                "page": str(page),
                "orderby": "modified",
                "order": "asc",
            }
            if since is not None:
                # `modified_after` is strict and to the second: one second back, so an order
                # changed in the watermark's second is not missed (writing it again is harmless).
                after = since.astimezone(UTC) - timedelta(seconds=1)
                query["modified_after"] = after.strftime("%Y-%m-%dT%H:%M:%S")
                query["dates_are_gmt"] = "true"
            items, headers = self.get("orders", query)
            if not isinstance(items, list):
                raise PlatformError("WooCommerce answered orders that are not a list")
            for item in items:
                yield self.order_from_payload(item)
            try:
                pages = int(headers.get("x-wp-totalpages", "1"))
            except ValueError:
                pages = 1
            if page >= pages or not items:
                return
            page += 1

    def order_fetch(self, external_id: str) -> ExternalOrder | None:
        item, _headers = self.get(f"orders/{int(external_id)}", {})
        return self.order_from_payload(item) if item else None

    def order_from_payload(self, item: Any) -> ExternalOrder:
        try:
            return order_from_payload(item, admin_base=self.base_url)
        except ValidationError as error:
            raise PlatformError(
                f"WooCommerce sent an order the desk cannot read: {error}"
            ) from error


def order_from_payload(data: Any, *, admin_base: str) -> ExternalOrder:
    """A WooCommerce order object (REST API and webhooks); a ValidationError naming the
    first field that is wrong."""
    if not isinstance(data, dict):
        raise ValidationError("the order must be a JSON object", field="body")
    external_id = required_text(data, "id")
    status = str(data.get("status") or "")
    billing = data.get("billing") if isinstance(data.get("billing"), dict) else {}
    billing = billing or {}
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
                title=str(item.get("name") or ""),
                quantity=whole_number(item.get("quantity", 1), f"line_items[{index}].quantity"),
                unit_price=money(item.get("price", 0), f"line_items[{index}].price"),
            )
        )
    placed_key = "date_created_gmt" if data.get("date_created_gmt") else "date_created"
    placed = _gmt(data, placed_key)
    updated_key = "date_modified_gmt" if data.get("date_modified_gmt") else "date_modified"
    email = str(billing.get("email") or "")
    customer_id = str(data.get("customer_id") or "")
    customer = None
    if email or (customer_id and customer_id != "0"):
        customer = ExternalCustomer(
            external_id=customer_id if customer_id not in ("", "0") else f"guest:{email.lower()}",
            email=email,
            name=name_join(billing.get("first_name"), billing.get("last_name")),
            country=str(billing.get("country") or ""),
        )
    return ExternalOrder(
        external_id=external_id,
        number=str(data.get("number") or external_id),
        placed_at=placed,
        updated_at=_gmt(data, updated_key) if data.get(updated_key) else None,
        currency=currency_code(data.get("currency")),
        total=money(data.get("total"), "total"),
        status=STATUSES.get(status, Order.Status.PENDING),
        financial_status=status,
        fulfillment_status="fulfilled" if status == "completed" else "",
        admin_url=f"{admin_base.rstrip('/')}/wp-admin/post.php?post={external_id}&action=edit",
        customer=customer,
        lines=lines,
    )


def _gmt(data: dict[str, Any], key: str) -> datetime:
    """WooCommerce writes `*_gmt` dates without a zone: they are UTC."""
    value = data.get(key)
    naive = isinstance(value, str) and value[-1:] != "Z" and "+" not in value[10:]
    if naive and key.endswith("_gmt"):
        value = f"{value}+00:00"
    return payload_instant({key: value}, key)
