"""Webhooks delivered at the same time by several processes (PostgreSQL: SQLite serialises
writers on one lock and the test database is one in-memory connection)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from afterdesk.commerce.models import Order, OrderLine
from afterdesk.stores.models import DeliveryState, WebhookDelivery
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.services.webhooks import Received, webhook_receive
from tests.stores.conftest import SHOPIFY_SECRET, signed
from tests.stores.test_webhooks import shopify_order_body

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _at_once(count: int, work: Callable[[int], Received]) -> list[Received]:
    barrier = threading.Barrier(count)
    results: list[Received] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_one_delivery_at_once_and_two_deliveries_of_one_new_order() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock")
    store_connection = connection_save(
        ConnectionInput(
            platform="shopify",
            name="Race",
            base_url="https://race.myshopify.com",
            access_token="x",
            webhook_secret=SHOPIFY_SECRET,
        )
    )
    body = json.dumps(shopify_order_body(1001)).encode()

    def deliver(webhook_id: str, topic: str = "orders/create") -> Received:
        return webhook_receive(
            store_connection,
            body=body,
            headers={
                "X-Shopify-Hmac-Sha256": signed(body, SHOPIFY_SECRET),
                "X-Shopify-Topic": topic,
                "X-Shopify-Webhook-Id": webhook_id,
            },
        )

    same = _at_once(6, lambda n: deliver("same-id"))
    assert sum(not r.duplicate for r in same) == 1
    assert WebhookDelivery.objects.count() == 1
    assert Order.objects.count() == 1

    Order.objects.all().delete()
    other = json.dumps(shopify_order_body(1002)).encode()
    body = other
    both = _at_once(2, lambda n: deliver(f"pair-{n}", ("orders/create", "orders/updated")[n]))
    # Each delivery's task ran right after its commit (huey immediate, autocommit here).
    states = WebhookDelivery.objects.filter(delivery_id__startswith="pair-")
    assert list(states.values_list("state", flat=True)) == [DeliveryState.PROCESSED] * 2
    assert len(both) == 2
    assert Order.objects.filter(number="#1002").count() == 1
    assert OrderLine.objects.filter(order__number="#1002").count() == 2
