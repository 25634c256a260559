"""Shopify and WooCommerce webhooks over HTTP: signatures, replays, malformed bodies."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, TestCase

from afterdesk.commerce.models import CustomerIdentity, Order, Shipment
from afterdesk.stores.models import DeliveryState, StoreConnection, WebhookDelivery
from tests.stores.conftest import SHOPIFY_SECRET, WOO_WEBHOOK_SECRET, signed
from tests.stores.servers import woo_order

pytestmark = pytest.mark.django_db


def shopify_order_body(number: int = 1001, **changes: Any) -> dict[str, Any]:
    """An orders/create body in the shape Shopify posts (REST resource)."""
    body = {
        "id": 5_000_000 + number,
        "admin_graphql_api_id": f"gid://shopify/Order/{5_000_000 + number}",
        "name": f"#{number}",
        "order_number": number,
        "email": "ines@example.com",
        "created_at": "2026-11-01T10:30:00+01:00",
        "updated_at": "2026-11-01T10:31:00+01:00",
        "cancelled_at": None,
        "currency": "EUR",
        "total_price": "59.90",
        "financial_status": "paid",
        "fulfillment_status": None,
        "customer": {
            "id": 701,
            "email": "ines@example.com",
            "first_name": "Ines",
            "last_name": "Buyer",
        },
        "shipping_address": {"country_code": "DE"},
        "line_items": [
            {"id": 1, "sku": "MUG-1", "title": "Mug", "quantity": 2, "price": "24.95"},
            {"id": 2, "sku": "SHIP", "title": "Shipping", "quantity": 1, "price": "10.00"},
        ],
    }
    body.update(changes)
    return body


def post_shopify(
    client: Client,
    connection: StoreConnection,
    body: bytes,
    *,
    topic: str = "orders/create",
    webhook_id: str = "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    secret: str = SHOPIFY_SECRET,
    signature: str | None = None,
) -> Any:
    """The answer comes first; the delivery's task (huey, immediate in the tests) runs once
    the request's transaction commits, as in the running app."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/webhooks/shopify/{connection.key}",
            data=body,
            content_type="application/json",
            headers={
                "X-Shopify-Topic": topic,
                "X-Shopify-Hmac-Sha256": signature
                if signature is not None
                else signed(body, secret),
                "X-Shopify-Shop-Domain": "mugs.myshopify.com",
                "X-Shopify-Webhook-Id": webhook_id,
                "X-Shopify-API-Version": "2025-10",
            },
        )


def test_a_signed_order_webhook_writes_the_order(
    client: Client, shopify_connection: StoreConnection
) -> None:
    body = json.dumps(shopify_order_body()).encode()
    answer = post_shopify(client, shopify_connection, body)
    assert answer.status_code == 200, answer.content
    # Answered as soon as it is stored; applied by its background task.
    assert (answer.json()["state"], answer.json()["order_id"]) == ("received", None)
    order = Order.objects.get(store=shopify_connection.store, number="#1001")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.order_id) == (DeliveryState.PROCESSED, order.pk)
    assert (order.total, order.status, order.lines.count()) == (Decimal("59.90"), "paid", 2)
    assert CustomerIdentity.objects.get(customer=order.customer).value == "ines@example.com"
    delivery = WebhookDelivery.objects.get()
    assert bytes(delivery.body) == body  # kept exactly as it arrived


def test_a_bad_signature_is_401_with_a_log_line_and_nothing_stored(
    client: Client, shopify_connection: StoreConnection, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(shopify_order_body()).encode()
    with caplog.at_level(logging.WARNING, logger="afterdesk.stores"):
        wrong = post_shopify(client, shopify_connection, body, secret="another secret")
        missing = post_shopify(client, shopify_connection, body, signature="")
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert wrong.json()["field"] == "X-Shopify-Hmac-Sha256"
    assert WebhookDelivery.objects.count() == 0
    assert Order.objects.count() == 0
    refused = [r.getMessage() for r in caplog.records if "webhook refused" in r.getMessage()]
    assert len(refused) == 2
    assert "bad signature" in refused[0]
    assert "no signature" in refused[1]


def test_a_replayed_webhook_is_stored_and_applied_once(
    client: Client, shopify_connection: StoreConnection
) -> None:
    body = json.dumps(shopify_order_body()).encode()
    first = post_shopify(client, shopify_connection, body)
    again = post_shopify(client, shopify_connection, body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True
    assert WebhookDelivery.objects.count() == 1
    assert Order.objects.count() == 1
    assert Order.objects.get().lines.count() == 2


def test_a_malformed_body_is_kept_flagged_answered_400_and_writes_nothing(
    client: Client, shopify_connection: StoreConnection, caplog: pytest.LogCaptureFixture
) -> None:
    # A line item whose quantity is not a number comes after the customer and the order:
    # neither may be written.
    broken = shopify_order_body(
        line_items=[{"id": 1, "sku": "MUG-1", "title": "Mug", "quantity": "two", "price": "1"}]
    )
    with caplog.at_level(logging.WARNING, logger="afterdesk.stores"):
        answer = post_shopify(client, shopify_connection, json.dumps(broken).encode())
        not_json = post_shopify(client, shopify_connection, b"{not json", webhook_id="w2")
    assert answer.status_code == 400
    assert answer.json()["field"] == "line_items[0].quantity"
    assert not_json.status_code == 400
    assert not_json.json()["field"] == "body"
    assert list(WebhookDelivery.objects.values_list("state", flat=True)) == ["failed"] * 2
    assert Order.objects.count() == 0
    assert CustomerIdentity.objects.count() == 0
    assert sum("webhook malformed" in r.getMessage() for r in caplog.records) == 2


def test_refund_fulfilment_and_customer_webhooks(
    client: Client, shopify_connection: StoreConnection
) -> None:
    post_shopify(client, shopify_connection, json.dumps(shopify_order_body()).encode())
    refund = {
        "id": 9001,
        "order_id": 5001001,
        "created_at": "2026-11-03T10:00:00+01:00",
        "note": "damaged",
        "transactions": [
            {"id": 1, "kind": "refund", "status": "success", "amount": "20.00"},
            {"id": 2, "kind": "refund", "status": "failure", "amount": "39.90"},
        ],
    }
    body = json.dumps(refund).encode()
    for _ in range(2):  # the same refund delivered twice under two ids counts once
        answer = post_shopify(
            client, shopify_connection, body, topic="refunds/create", webhook_id=f"r{_}"
        )
        assert answer.status_code == 200
    order = Order.objects.get()
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert order.platform_link.refunded_total == Decimal("20.00")

    fulfilment = {
        "id": 4001,
        "order_id": 5001001,
        "status": "success",
        "tracking_company": "DHL",
        "tracking_number": "JD0001",
        "tracking_numbers": ["JD0001"],
        "shipment_status": "in_transit",
    }
    answer = post_shopify(
        client,
        shopify_connection,
        json.dumps(fulfilment).encode(),
        topic="fulfillments/create",
        webhook_id="f1",
    )
    assert answer.status_code == 200
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number, shipment.status) == (
        "DHL",
        "JD0001",
        "in_transit",
    )
    customer = {
        "id": 701,
        "email": "ines.new@example.com",
        "first_name": "Ines",
        "last_name": "Neu",
    }
    answer = post_shopify(
        client,
        shopify_connection,
        json.dumps(customer).encode(),
        topic="customers/update",
        webhook_id="c1",
    )
    assert answer.status_code == 200
    order.customer.refresh_from_db()
    assert order.customer.name == "Ines Neu"
    assert set(
        CustomerIdentity.objects.filter(customer=order.customer).values_list("value", flat=True)
    ) == {"ines@example.com", "ines.new@example.com"}


def test_an_older_update_after_a_newer_one_is_skipped(
    client: Client, shopify_connection: StoreConnection
) -> None:
    newer = shopify_order_body(updated_at="2026-11-02T10:00:00Z", financial_status="refunded")
    older = shopify_order_body(updated_at="2026-11-01T10:00:00Z")
    post_shopify(client, shopify_connection, json.dumps(newer).encode(), webhook_id="n")
    post_shopify(
        client,
        shopify_connection,
        json.dumps(older).encode(),
        topic="orders/updated",
        webhook_id="o",
    )
    assert Order.objects.get().status == Order.Status.REFUNDED


def test_unknown_address_is_404(client: Client, shopify_connection: StoreConnection) -> None:
    answer = client.post("/webhooks/shopify/nope", data=b"{}", content_type="application/json")
    assert answer.status_code == 404
    assert answer.json()["field"] == "key"


# --- WooCommerce ----------------------------------------------------------------------------


def post_woo(
    client: Client,
    connection: StoreConnection,
    body: bytes,
    *,
    topic: str = "order.created",
    delivery: str = "d1",
    secret: str = WOO_WEBHOOK_SECRET,
) -> Any:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            f"/webhooks/woocommerce/{connection.key}",
            data=body,
            content_type="application/json",
            headers={
                "X-WC-Webhook-Source": "https://tea.example/",
                "X-WC-Webhook-Topic": topic,
                "X-WC-Webhook-Resource": "order",
                "X-WC-Webhook-Event": topic.split(".")[-1],
                "X-WC-Webhook-Signature": signed(body, secret),
                "X-WC-Webhook-ID": "12",
                "X-WC-Webhook-Delivery-ID": delivery,
            },
        )


def test_woocommerce_webhooks(client: Client, woo_connection: StoreConnection) -> None:
    body = json.dumps(woo_order(1)).encode()
    assert post_woo(client, woo_connection, body, secret="wrong").status_code == 401
    assert WebhookDelivery.objects.count() == 0

    first = post_woo(client, woo_connection, body)
    again = post_woo(client, woo_connection, body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json()["duplicate"] is True
    order = Order.objects.get(store=woo_connection.store)
    assert (order.number, order.total, order.currency, order.status) == (
        "801",
        Decimal("35.00"),
        "USD",
        "paid",
    )
    assert order.placed_at.isoformat() == "2026-11-01T09:30:00+00:00"

    completed = {**woo_order(1, modified="2026-11-04T10:00:00"), "status": "completed"}
    answer = post_woo(
        client,
        woo_connection,
        json.dumps(completed).encode(),
        topic="order.updated",
        delivery="d2",
    )
    assert answer.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    malformed = post_woo(
        client,
        woo_connection,
        json.dumps({"id": 5, "currency": "dollars"}).encode(),
        delivery="d3",
    )
    assert malformed.status_code == 400
    assert WebhookDelivery.objects.get(delivery_id="d3").state == DeliveryState.FAILED

    # WooCommerce's ping when a webhook is saved: form-encoded, signed, nothing to store.
    ping = b"webhook_id=12"
    answer = client.post(
        f"/webhooks/woocommerce/{woo_connection.key}",
        data=ping,
        content_type="application/x-www-form-urlencoded",
        headers={"X-WC-Webhook-Signature": signed(ping, WOO_WEBHOOK_SECRET)},
    )
    assert answer.status_code == 200
    assert answer.json()["state"] == "ping"


def test_the_previous_secret_verifies_for_a_day_after_a_new_one_is_saved(
    client: Client, shopify_connection: StoreConnection
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from afterdesk.stores.services.connections import ConnectionInput, connection_save

    connection_save(
        ConnectionInput(
            platform="shopify",
            name="Mugs DE",
            base_url=shopify_connection.base_url,
            webhook_secret="the new secret",
        ),
        existing=shopify_connection,
    )
    old = json.dumps(shopify_order_body(1001)).encode()
    new = json.dumps(shopify_order_body(1002)).encode()
    assert post_shopify(client, shopify_connection, old, webhook_id="a").status_code == 200
    answer = post_shopify(client, shopify_connection, new, webhook_id="b", secret="the new secret")
    assert answer.status_code == 200
    StoreConnection.objects.filter(pk=shopify_connection.pk).update(
        previous_secret_until=timezone.now() - timedelta(seconds=1)
    )
    late = json.dumps(shopify_order_body(1003)).encode()
    assert post_shopify(client, shopify_connection, late, webhook_id="c").status_code == 401
    assert sorted(Order.objects.values_list("number", flat=True)) == ["#1001", "#1002"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id": "9" * 101}, "id"),
        (
            {"line_items": [{"sku": "X", "quantity": 10**12, "price": "1"}]},
            "line_items[0].quantity",
        ),
        ({"total_price": "1e20"}, "total_price"),
        ({"total_price": {"amount": 1}}, "total_price"),
        ({"currency": "EURO"}, "currency"),
        ({"created_at": "2026-13-45T00:00:00Z"}, "created_at"),
    ],
)
def test_values_the_columns_cannot_hold_are_400_not_500(
    client: Client, shopify_connection: StoreConnection, changes: dict[str, Any], field: str
) -> None:
    body = json.dumps(shopify_order_body(**changes)).encode()
    answer = post_shopify(client, shopify_connection, body)
    assert answer.status_code == 400
    assert answer.json()["field"] == field
    assert Order.objects.count() == 0


def test_a_refund_of_an_order_not_synced_yet_queues_a_sync_that_brings_it(
    client: Client,
    shopify_server: Any,
    shopify_connection: StoreConnection,
) -> None:
    from tests.stores.servers import shopify_order

    shopify_server.orders = [shopify_order(1001, financial="PARTIALLY_REFUNDED")]
    refund = {
        "id": 9001,
        "order_id": 5001001,
        "transactions": [{"kind": "refund", "status": "success", "amount": "5.00"}],
    }
    answer = post_shopify(
        client, shopify_connection, json.dumps(refund).encode(), topic="refunds/create"
    )
    assert answer.status_code == 200
    assert len(shopify_server.requests) == 1  # the sync that the task queued asked Shopify
    order = Order.objects.get(number="#1001")
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    # Ignored while the order was unknown, then applied again once the sync brought it.
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.reason, delivery.order_id) == (
        DeliveryState.PROCESSED,
        "",
        order.pk,
    )
    assert order.platform_link.refunded_total == Decimal("5.00")
    assert order.platform_link.refund_ids == ["9001"]
