"""Store webhooks are answered once stored and applied by a huey task (immediate in the
tests, run after the request's commit as in the app): applied once however often the task
runs, a worker killed mid-way leaves the delivery to the sweep, an error is shown in the
health view and an admin's retry applies it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order, OrderLine
from afterdesk.stores.models import DeliveryState, StoreConnection, WebhookDelivery
from afterdesk.stores.services import webhooks
from afterdesk.stores.tasks import webhook_deliveries_pending_periodic, webhook_delivery_task
from tests.stores.test_webhooks import post_shopify, shopify_order_body

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-way (no `except Exception` catches it)."""


def test_a_delivery_processed_twice_changes_nothing(
    client: Client, shopify_connection: StoreConnection
) -> None:
    post_shopify(client, shopify_connection, json.dumps(shopify_order_body()).encode())
    delivery = WebhookDelivery.objects.get()
    order = Order.objects.get()
    assert delivery.state == DeliveryState.PROCESSED
    before = (delivery.processed_at, order.total, order.status, OrderLine.objects.count())

    assert webhook_delivery_task.call_local(delivery.pk) == DeliveryState.PROCESSED
    assert webhooks.deliveries_process_pending(now=timezone.now() + timedelta(hours=1)) == []
    delivery.refresh_from_db()
    order.refresh_from_db()
    assert (delivery.processed_at, order.total, order.status, OrderLine.objects.count()) == before
    assert Order.objects.count() == 1


def test_a_worker_killed_mid_way_leaves_the_delivery_for_the_sweep(
    client: Client, shopify_connection: StoreConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = webhooks.order_upsert

    def killed(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # the order is written, then the worker dies before commit
        raise WorkerKilled

    monkeypatch.setattr(webhooks, "order_upsert", killed)
    body = json.dumps(shopify_order_body()).encode()
    with pytest.raises(WorkerKilled):
        post_shopify(client, shopify_connection, body)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, bytes(delivery.body)) == (DeliveryState.RECEIVED, body)
    assert Order.objects.count() == 0  # rolled back whole

    monkeypatch.setattr(webhooks, "order_upsert", real)
    # Too recent for the sweep (its own task may still be on its way)...
    assert webhooks.deliveries_process_pending() == []
    # ...later, the periodic sweep applies it.
    WebhookDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=3))
    assert webhook_deliveries_pending_periodic.call_local() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PROCESSED
    assert Order.objects.count() == 1
    assert OrderLine.objects.count() == 2


def test_the_platform_resending_a_delivery_left_received_applies_it(
    client: Client, shopify_connection: StoreConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webhooks, "_enqueue", lambda delivery: None)  # the task was lost
    body = json.dumps(shopify_order_body()).encode()
    post_shopify(client, shopify_connection, body)
    assert WebhookDelivery.objects.get().state == DeliveryState.RECEIVED
    monkeypatch.undo()
    again = post_shopify(client, shopify_connection, body)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    assert WebhookDelivery.objects.get().state == DeliveryState.PROCESSED
    assert Order.objects.count() == 1


def test_a_failed_delivery_shows_its_error_and_an_admin_retries_it(
    client: Client,
    shopify_connection: StoreConnection,
    admin_user: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = webhooks.order_upsert

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(webhooks, "order_upsert", broken)
    answer = post_shopify(client, shopify_connection, json.dumps(shopify_order_body()).encode())
    assert answer.status_code == 200  # the platform is not made to resend what we stored
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.reason == "RuntimeError: database went away"
    monkeypatch.setattr(webhooks, "order_upsert", real)

    client.force_login(admin_user)
    listed = client.get("/stores/").content.decode()
    assert f'href="/stores/{shopify_connection.pk}/">1</a>' in listed  # failed webhooks
    health = client.get(f"/stores/{shopify_connection.pk}/").content.decode()
    assert "RuntimeError: database went away" in health
    assert "1 failed delivery waits for a retry." in health
    api_health = client.get(f"/api/stores/connections/{shopify_connection.pk}").json()
    assert api_health["connection"]["failed_deliveries"] == 1
    assert api_health["deliveries"][0]["reason"] == "RuntimeError: database went away"
    retry_url = f"/stores/{shopify_connection.pk}/deliveries/{delivery.pk}/retry/"
    assert retry_url in health
    with TestCase.captureOnCommitCallbacks(execute=True):
        retried = client.post(retry_url)
    assert retried.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reason) == (DeliveryState.PROCESSED, "")
    assert Order.objects.count() == 1
    health = client.get(f"/stores/{shopify_connection.pk}/").content.decode()
    assert retry_url not in health  # only failed deliveries have the button
    assert "waits for a retry" not in health
    listed_api = client.get("/api/stores/connections").json()
    assert [c["failed_deliveries"] for c in listed_api] == [0]

    # The API: a delivery that is not failed is a 409; another connection's is a 404.
    api = f"/api/stores/connections/{shopify_connection.pk}/deliveries/{delivery.pk}/retry"
    assert client.post(api).status_code == 409
    missing = f"/api/stores/connections/{shopify_connection.pk}/deliveries/999999/retry"
    assert client.post(missing).status_code == 404
    WebhookDelivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.FAILED)
    with TestCase.captureOnCommitCallbacks(execute=True):
        queued = client.post(api)
    assert (queued.status_code, queued.json()["state"]) == (202, "received")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.PROCESSED
    assert Order.objects.count() == 1


def test_retry_is_for_admins(
    client: Client, shopify_connection: StoreConnection, agent: User
) -> None:
    delivery = WebhookDelivery.objects.create(
        connection=shopify_connection,
        delivery_id="x",
        topic="orders/create",
        body=b"{}",
        state=DeliveryState.FAILED,
        received_at=timezone.now(),
    )
    client.force_login(agent)
    url = f"/stores/{shopify_connection.pk}/deliveries/{delivery.pk}/retry/"
    assert client.post(url).status_code == 403
    api = f"/api/stores/connections/{shopify_connection.pk}/deliveries/{delivery.pk}/retry"
    assert client.post(api).status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED


def test_a_fulfilment_before_its_order_is_applied_once_the_sync_brings_the_order(
    client: Client, shopify_server: Any, shopify_connection: StoreConnection
) -> None:
    from afterdesk.commerce.models import Shipment
    from tests.stores.servers import shopify_order

    shopify_server.orders = [shopify_order(1001, financial="PARTIALLY_REFUNDED")]
    fulfilment = {
        "id": 4001,
        "order_id": 5001001,
        "created_at": "2026-11-02T08:00:00+01:00",
        "status": "success",
        "tracking_company": "DHL",
        "tracking_numbers": ["JD0001"],
        "shipment_status": "in_transit",
    }
    refund = {
        "id": 9001,
        "order_id": 5001001,
        "transactions": [{"kind": "refund", "status": "success", "amount": "5.00"}],
    }
    # The fulfilment first: ignored, and a sync queued that brings the order; then the
    # fulfilment is applied again and its parcel written.
    post_shopify(
        client,
        shopify_connection,
        json.dumps(fulfilment).encode(),
        topic="fulfillments/create",
        webhook_id="f1",
    )
    order = Order.objects.get()
    shipment = Shipment.objects.get(order=order)
    assert (shipment.tracking_number, shipment.carrier) == ("JD0001", "DHL")
    assert shipment.shipped_at is not None
    assert shipment.shipped_at.isoformat() == "2026-11-02T07:00:00+00:00"
    delivery = WebhookDelivery.objects.get(delivery_id="f1")
    assert (delivery.state, delivery.order_id) == (DeliveryState.PROCESSED, order.pk)

    # A refund of an order the desk knows is applied at once, and a waiting delivery whose
    # order never comes stays ignored (queued again only once its order is here).
    post_shopify(client, shopify_connection, json.dumps(refund).encode(), topic="refunds/create")
    assert WebhookDelivery.objects.get(topic="refunds/create").state == DeliveryState.PROCESSED
    lost = {**refund, "id": 9002, "order_id": 5009999}
    post_shopify(
        client,
        shopify_connection,
        json.dumps(lost).encode(),
        topic="refunds/create",
        webhook_id="lost",
    )
    assert webhooks.deliveries_waiting_requeue(shopify_connection) == 0
    assert WebhookDelivery.objects.get(delivery_id="lost").state == DeliveryState.IGNORED
