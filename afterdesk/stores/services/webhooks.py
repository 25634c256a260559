"""Platform webhooks (docs/stores.md, "Webhooks"): `POST /webhooks/shopify/<key>` and
`POST /webhooks/woocommerce/<key>`.

1. The signature is checked on the raw body before anything else: base64 HMAC-SHA256 of the
   body keyed with the connection's webhook secret (`X-Shopify-Hmac-Sha256`,
   `X-WC-Webhook-Signature`), compared in constant time. A missing or wrong one: 401 and a
   log line, nothing stored.
2. The body is stored as it arrived (`WebhookDelivery`), unique by the platform's delivery id
   (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`; the body's SHA-256 when absent): a
   retry of a delivery already processed is answered 200 and not applied again.
3. It is applied in one transaction. A body that is not the topic's format is kept, marked
   failed with the reason, logged and answered 400; nothing of it is written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.commerce.models import Order, Platform
from afterdesk.core.errors import DomainError, NotFound, PayloadTooLarge, ValidationError
from afterdesk.core.tasks import enqueue_on_commit
from afterdesk.stores import shopify, woocommerce
from afterdesk.stores.fields import money, required_text
from afterdesk.stores.models import DeliveryState, StoreConnection, WebhookDelivery
from afterdesk.stores.services.orders import (
    customer_upsert,
    order_upsert,
    refund_record,
    shipment_record,
)

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024


class Unauthorized(DomainError):
    status = 401


class MalformedPayload(DomainError):
    """A signed body that is not its topic's format: stored, flagged, HTTP 400."""

    status = 400


@dataclass(frozen=True)
class PlatformHeaders:
    signature: str
    delivery_id: str
    topic: str


HEADERS = {
    Platform.SHOPIFY: PlatformHeaders(
        "X-Shopify-Hmac-Sha256", "X-Shopify-Webhook-Id", "X-Shopify-Topic"
    ),
    Platform.WOOCOMMERCE: PlatformHeaders(
        "X-WC-Webhook-Signature", "X-WC-Webhook-Delivery-ID", "X-WC-Webhook-Topic"
    ),
}


@dataclass(frozen=True)
class Received:
    delivery: WebhookDelivery | None
    duplicate: bool = False

    @property
    def state(self) -> str:
        return self.delivery.state if self.delivery else "ping"


def connection_for_webhook(platform: str, key: str) -> StoreConnection:
    found = (
        StoreConnection.objects.select_related("store")
        .filter(platform=platform, key=key, enabled=True)
        .first()
    )
    if found is None:
        raise NotFound("no enabled store connection at this address", field="key")
    return found


def signature_valid(*, secret: str, body: bytes, given: str) -> bool:
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, given.strip().encode("ascii", "replace"))


def webhook_receive(
    connection: StoreConnection, *, body: bytes, headers: Mapping[str, str]
) -> Received:
    """`headers` as Django gives them (names in any case)."""
    names = HEADERS[Platform(connection.platform)]
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes", field="body")
    given = headers.get(names.signature, "")
    secrets_now = connection.webhook_secrets_valid()
    # Every valid secret is tried (no early exit), so the time taken says nothing of which.
    matches = [signature_valid(secret=secret, body=body, given=given) for secret in secrets_now]
    if not given or not any(matches):
        reason = (
            "no signature"
            if not given
            else "no webhook secret"
            if not secrets_now
            else "bad signature"
        )
        logger.warning(
            "store webhook refused: connection=%s platform=%s topic=%s reason=%s",
            connection.pk,
            connection.platform,
            headers.get(names.topic, "")[:60],
            reason,
        )
        raise Unauthorized(f"the {names.signature} signature does not match", field=names.signature)
    topic = headers.get(names.topic, "").strip()[:60]
    if (
        connection.platform == Platform.WOOCOMMERCE
        and not topic
        and body.startswith(b"webhook_id=")
    ):
        return Received(None)  # WooCommerce's ping when the webhook is saved
    delivery_id = headers.get(names.delivery_id, "").strip()[:100]
    if not delivery_id:
        delivery_id = "sha256:" + hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                connection=connection,
                delivery_id=delivery_id,
                topic=topic,
                body=body,
                received_at=timezone.now(),
            )
        created = True
    except IntegrityError:
        # Delivered before (a retry, or the same delivery in flight in another process).
        delivery = WebhookDelivery.objects.get(connection=connection, delivery_id=delivery_id)
        created = False
        if delivery.state != DeliveryState.RECEIVED:
            return Received(delivery, duplicate=True)
    delivery_apply(delivery, connection=connection)
    return Received(delivery, duplicate=not created)


def delivery_apply(delivery: WebhookDelivery, *, connection: StoreConnection) -> None:
    """Apply a stored delivery once; a MalformedPayload after marking it failed. Two
    deliveries of one new order at once (orders/create and orders/updated) both try to
    create it: the one that loses the unique constraint runs again and updates it."""
    try:
        for attempt in range(2):
            try:
                _apply_once(delivery, connection=connection)
                return
            except IntegrityError:
                if attempt:
                    raise
    except ValidationError as error:
        reason = f"{error.field}: {error.message}" if error.field else error.message
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.FAILED, reason=reason[:2000], processed_at=timezone.now()
        )
        delivery.state, delivery.reason = DeliveryState.FAILED, reason
        logger.warning(
            "store webhook malformed: connection=%s delivery=%s topic=%s reason=%s",
            connection.pk,
            delivery.pk,
            delivery.topic,
            reason,
        )
        raise MalformedPayload(
            f"the {delivery.topic or 'webhook'} body cannot be read: {error.message}",
            field=error.field,
        ) from error


@transaction.atomic
def _apply_once(delivery: WebhookDelivery, *, connection: StoreConnection) -> None:
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.state != DeliveryState.RECEIVED:
        delivery.state = locked.state
        return
    order, ignored = _apply(connection, topic=locked.topic, body=bytes(locked.body))
    locked.state = DeliveryState.IGNORED if ignored else DeliveryState.PROCESSED
    locked.reason = ignored
    locked.order = order
    locked.processed_at = timezone.now()
    locked.save(update_fields=["state", "reason", "order", "processed_at"])
    delivery.state, delivery.reason, delivery.order = locked.state, ignored, order


def _apply(connection: StoreConnection, *, topic: str, body: bytes) -> tuple[Order | None, str]:
    """(the order written, "") or (None, why the delivery was ignored)."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"the body is not UTF-8 JSON: {error}", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    base = connection.base_url
    store = connection.store
    if connection.platform == Platform.WOOCOMMERCE:
        if topic in ("order.created", "order.updated", "order.restored"):
            found = woocommerce.order_from_payload(data, admin_base=base)
            return order_upsert(found, store=store, connection=connection).order, ""
        return None, f"topic {topic!r} is not used"
    if topic in ("orders/create", "orders/updated"):
        found = shopify.order_from_webhook(data, admin_base=base)
        return order_upsert(found, store=store, connection=connection).order, ""
    if topic == "refunds/create":
        order_id = required_text(data, "order_id")
        order = refund_record(
            connection,
            order_external_id=order_id,
            refund_id=required_text(data, "id"),
            amount=_refunded(data),
        )
        return order, "" if order else _order_unknown(connection, order_id)
    if topic == "customers/update":
        customer_upsert(
            store=store, found=shopify.customer_from_webhook(data), connection=connection
        )
        return None, ""
    if topic in ("fulfillments/create", "fulfillments/update"):
        order_id = required_text(data, "order_id")
        numbers = data.get("tracking_numbers") or (
            [data["tracking_number"]] if data.get("tracking_number") else []
        )
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            raise ValidationError(
                "tracking_numbers must be a list of text", field="tracking_numbers"
            )
        order = shipment_record(
            connection,
            order_external_id=order_id,
            carrier=str(data.get("tracking_company") or ""),
            tracking_numbers=numbers,
            shipment_status=str(data.get("shipment_status") or ""),
        )
        return order, "" if order else _order_unknown(connection, order_id)
    return None, f"topic {topic!r} is not used"


def _order_unknown(connection: StoreConnection, order_id: str) -> str:
    """A refund or fulfilment of an order not synced yet: a sync is queued (after commit), which
    brings the order as the platform has it now, refund and parcels included."""
    from afterdesk.stores.tasks import connection_sync_task  # the task imports the services

    enqueue_on_commit(connection_sync_task, connection_id=connection.pk)
    return f"order {order_id} is not known here yet; a sync is queued"


def _refunded(data: dict[str, Any]) -> Decimal:
    """The refund's successful refund transactions, summed."""
    transactions = data.get("transactions") or []
    if not isinstance(transactions, list):
        raise ValidationError("transactions must be a list", field="transactions")
    total = Decimal(0)
    for index, item in enumerate(transactions):
        if not isinstance(item, dict):
            raise ValidationError("each transaction must be an object", field="transactions")
        if item.get("kind") == "refund" and item.get("status") == "success":
            total += money(item.get("amount"), f"transactions[{index}].amount")
    return total
