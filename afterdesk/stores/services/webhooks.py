"""Platform webhooks (docs/stores.md, "Webhooks"): `POST /webhooks/shopify/<key>` and
`POST /webhooks/woocommerce/<key>`.

1. The signature is checked on the raw body before anything else: base64 HMAC-SHA256 of the
   body keyed with the connection's webhook secret (`X-Shopify-Hmac-Sha256`,
   `X-WC-Webhook-Signature`), compared in constant time. A missing or wrong one: 401 and a
   log line, nothing stored.
2. The body is stored as it arrived (`WebhookDelivery`, committed), unique by the platform's
   delivery id (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`; the body's SHA-256 when
   absent): a retry of a delivery already stored is answered 200 and not applied again.
3. The body is read (no database work): one that is not its topic's format is marked failed
   with the reason, logged and answered 400. Otherwise the answer is 200 at once and a
   background task (`delivery_process`) applies it in one transaction, once: a crash
   rolls it back whole and leaves it `received` for the sweep of stuck deliveries; an error
   marks it failed with the reason, shown in the health view, where an admin retries it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NoReturn

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.commerce.models import Order, Platform
from afterdesk.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PayloadTooLarge,
    ValidationError,
)
from afterdesk.core.tasks import enqueue_on_commit
from afterdesk.stores import shopify, woocommerce
from afterdesk.stores.fields import money, payload_instant, required_text
from afterdesk.stores.models import DeliveryState, OrderLink, StoreConnection, WebhookDelivery
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
    except IntegrityError:
        # Delivered before (a retry, or the same delivery in flight in another process).
        delivery = WebhookDelivery.objects.get(connection=connection, delivery_id=delivery_id)
        if delivery.state == DeliveryState.RECEIVED:
            _enqueue(delivery)  # its task may have been lost: processing twice is harmless
        return Received(delivery, duplicate=True)
    try:
        _parse(connection, topic=topic, body=body)
    except ValidationError as error:
        _fail_malformed(delivery, connection=connection, error=error)
    _enqueue(delivery)
    return Received(delivery)


def _enqueue(delivery: WebhookDelivery) -> None:
    from afterdesk.stores.tasks import webhook_delivery_task  # the task imports the services

    enqueue_on_commit(webhook_delivery_task, delivery_id=delivery.pk)


def _fail_malformed(
    delivery: WebhookDelivery, *, connection: StoreConnection, error: ValidationError
) -> NoReturn:
    reason = f"{error.field}: {error.message}" if error.field else error.message
    _mark_failed(delivery, reason)
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


def _mark_failed(delivery: WebhookDelivery, reason: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, reason=reason[:2000], processed_at=timezone.now()
    )
    delivery.state, delivery.reason = DeliveryState.FAILED, reason


def delivery_process(delivery_id: int) -> str:
    """The background task's work: apply a stored delivery once; its state afterwards.
    Run twice, or after it was applied, it changes nothing. An error (a body that cannot be
    written, the database refusing) marks it failed with the reason for an admin to retry."""
    delivery = (
        WebhookDelivery.objects.select_related("connection__store").filter(pk=delivery_id).first()
    )
    if delivery is None:
        return "no such delivery"
    if delivery.state != DeliveryState.RECEIVED:
        return str(delivery.state)
    try:
        delivery_apply(delivery, connection=delivery.connection)
    except MalformedPayload:
        pass  # marked failed and logged
    except Exception as error:  # any error is the delivery's: shown, and retried by an admin
        reason = f"{type(error).__name__}: {error}"
        _mark_failed(delivery, reason)
        logger.exception(
            "store webhook failed: connection=%s delivery=%s topic=%s",
            delivery.connection_id,
            delivery.pk,
            delivery.topic,
        )
    return str(delivery.state)


PENDING_AFTER = timedelta(minutes=2)


def deliveries_process_pending(*, now: datetime | None = None) -> list[int]:
    """Deliveries still `received` a while after they arrived (their task was lost, or the
    worker died mid-way and the transaction rolled back): processed now. Their ids."""
    cutoff = (now or timezone.now()) - PENDING_AFTER
    pending = list(
        WebhookDelivery.objects.filter(state=DeliveryState.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in pending:
        delivery_process(delivery_id)
    return pending


def delivery_retry(connection: StoreConnection, delivery_id: int) -> WebhookDelivery:
    """An admin's retry of a failed delivery: back to `received` and queued. Two clicks at
    once queue it once (the update only succeeds while it is failed); a delivery that is not
    failed is a 409."""
    delivery = WebhookDelivery.objects.filter(connection=connection, pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"no webhook delivery {delivery_id} of this connection", field="delivery")
    reset = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.FAILED).update(
        state=DeliveryState.RECEIVED, reason="", processed_at=None
    )
    if not reset:
        raise Conflict(f"the delivery is {delivery.state}, not failed", field="delivery")
    delivery.state, delivery.reason = DeliveryState.RECEIVED, ""
    logger.info("store webhook retried: connection=%s delivery=%s", connection.pk, delivery.pk)
    _enqueue(delivery)
    return delivery


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
        _fail_malformed(delivery, connection=connection, error=error)


@transaction.atomic
def _apply_once(delivery: WebhookDelivery, *, connection: StoreConnection) -> None:
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.state != DeliveryState.RECEIVED:
        delivery.state = locked.state
        return
    write = _parse(connection, topic=locked.topic, body=bytes(locked.body))
    order, ignored = write()
    locked.state = DeliveryState.IGNORED if ignored else DeliveryState.PROCESSED
    locked.reason = ignored
    locked.order = order
    locked.processed_at = timezone.now()
    locked.save(update_fields=["state", "reason", "order", "processed_at"])
    delivery.state, delivery.reason, delivery.order = locked.state, ignored, order
    if order is not None and locked.topic in ORDER_TOPICS:
        transaction.on_commit(lambda: deliveries_waiting_requeue(connection))


# Topics that write an order, and those that wait for one (kept ignored while it is unknown).
ORDER_TOPICS = (
    "orders/create",
    "orders/updated",
    "order.created",
    "order.updated",
    "order.restored",
)
WAITING_TOPICS = ("refunds/create", "fulfillments/create", "fulfillments/update")
WAITING_DAYS = 7


def deliveries_waiting_requeue(connection: StoreConnection) -> int:
    """Refunds and fulfilments that came before their order (ignored, a sync queued) are
    queued again once the order is here: after a delivery or a sync wrote orders. Only the
    last WAITING_DAYS days' are looked at. How many were queued."""
    since = timezone.now() - timedelta(days=WAITING_DAYS)
    waiting = list(
        WebhookDelivery.objects.filter(
            connection=connection,
            state=DeliveryState.IGNORED,
            topic__in=WAITING_TOPICS,
            received_at__gte=since,
        ).only("pk", "body")[:500]
    )
    order_of: dict[int, str] = {}
    for delivery in waiting:
        try:
            order_id = json.loads(bytes(delivery.body)).get("order_id")
        except (ValueError, AttributeError):
            continue
        if order_id is not None:
            order_of[delivery.pk] = str(order_id)
    known = set(
        OrderLink.objects.filter(
            connection=connection, external_id__in=set(order_of.values())
        ).values_list("external_id", flat=True)
    )
    queued = 0
    for delivery in waiting:
        if order_of.get(delivery.pk) not in known:
            continue
        reset = WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.IGNORED).update(
            state=DeliveryState.RECEIVED, reason="", processed_at=None
        )
        if reset:
            _enqueue(delivery)
            queued += 1
    return queued


Write = Callable[[], tuple[Order | None, str]]


def _parse(connection: StoreConnection, *, topic: str, body: bytes) -> Write:
    """Read the body as its topic's format (no database work; a ValidationError naming the
    first field that is wrong) and return what writes it: (the order written, "") or (None,
    why the delivery was ignored)."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"the body is not UTF-8 JSON: {error}", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    base = connection.base_url
    store = connection.store
    unused = f"topic {topic!r} is not used"
    if connection.platform == Platform.WOOCOMMERCE:
        if topic in ("order.created", "order.updated", "order.restored"):
            woo_order = woocommerce.order_from_payload(data, admin_base=base)
            return lambda: (order_upsert(woo_order, store=store, connection=connection).order, "")
        return lambda: (None, unused)
    if topic in ("orders/create", "orders/updated"):
        found = shopify.order_from_webhook(data, admin_base=base)
        return lambda: (order_upsert(found, store=store, connection=connection).order, "")
    if topic == "refunds/create":
        order_id = required_text(data, "order_id")
        refund_id = required_text(data, "id")
        amount = _refunded(data)

        def refund() -> tuple[Order | None, str]:
            order = refund_record(
                connection, order_external_id=order_id, refund_id=refund_id, amount=amount
            )
            return order, "" if order else _order_unknown(connection, order_id)

        return refund
    if topic == "customers/update":
        customer = shopify.customer_from_webhook(data)

        def customer_write() -> tuple[Order | None, str]:
            customer_upsert(store=store, found=customer, connection=connection)
            return None, ""

        return customer_write
    if topic in ("fulfillments/create", "fulfillments/update"):
        order_id = required_text(data, "order_id")
        numbers = data.get("tracking_numbers") or (
            [data["tracking_number"]] if data.get("tracking_number") else []
        )
        if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
            raise ValidationError(
                "tracking_numbers must be a list of text", field="tracking_numbers"
            )
        shipped_at = payload_instant(data, "created_at") if data.get("created_at") else None

        def fulfilment() -> tuple[Order | None, str]:
            order = shipment_record(
                connection,
                order_external_id=order_id,
                carrier=str(data.get("tracking_company") or ""),
                tracking_numbers=numbers,
                shipment_status=str(data.get("shipment_status") or ""),
                shipped_at=shipped_at,
            )
            return order, "" if order else _order_unknown(connection, order_id)

        return fulfilment
    return lambda: (None, unused)


def _order_unknown(connection: StoreConnection, order_id: str) -> str:
    """A refund or fulfilment of an order not synced yet: a sync is queued (after commit), which
    brings the order as the platform has it now (its refunds counted in its status); the
    delivery is then applied again (`deliveries_waiting_requeue`), which adds its parcels."""
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
