"""The stores API: admins only, secrets write-only and encrypted, health with the latest
deliveries, sync now, CSV import preview then confirm; pinned query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.commerce.models import Order, Store
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import credentials_of
from tests.stores.servers import ShopifyServer, shopify_order
from tests.stores.test_csv_import import GOOD

pytestmark = pytest.mark.django_db
URL = "/api/stores/connections"
JSON = "application/json"


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    client.get("/api/me")  # the token's first use is written once a minute
    return client


def _create(api: Client, **extra: Any) -> Any:
    payload = {
        "platform": "shopify",
        "name": "Mugs DE",
        "base_url": "https://mugs.myshopify.com/",
        "access_token": "shpat_secret",
        "webhook_secret": "client secret",
        "market": "de",
        **extra,
    }
    return api.post(URL, payload, content_type=JSON)


def test_admins_create_change_and_delete_a_connection_secrets_write_only(
    admin_user: User,
) -> None:
    api = _api(admin_user)
    created = _create(api)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["store"] == "shopify-mugs-de"
    assert body["base_url"] == "https://mugs.myshopify.com"
    assert (body["credentials_set"], body["webhook_secret_set"]) == (True, True)
    assert "shpat_secret" not in created.content.decode()
    connection = StoreConnection.objects.get()
    assert body["webhook_path"] == f"/webhooks/shopify/{connection.key}"
    assert "shpat_secret" not in connection.credentials_encrypted  # encrypted at rest
    assert credentials_of(connection) == {"access_token": "shpat_secret"}
    assert Store.objects.get(code="shopify-mugs-de").market == "DE"

    changed = api.patch(
        f"{URL}/{connection.pk}", {"name": "Mugs", "enabled": False}, content_type=JSON
    )
    assert changed.status_code == 200
    connection.refresh_from_db()
    assert (connection.name, connection.enabled) == ("Mugs", False)
    assert credentials_of(connection) == {"access_token": "shpat_secret"}  # kept
    assert connection.webhook_secret == "client secret"

    assert api.delete(f"{URL}/{connection.pk}").status_code == 204
    assert not StoreConnection.objects.exists()
    assert Store.objects.filter(code="shopify-mugs-de").exists()


def test_bad_input_names_the_field(admin_user: User) -> None:
    api = _api(admin_user)
    plain = _create(api, base_url="http://mugs.example.com")
    assert (plain.status_code, plain.json()["field"]) == (422, "base_url")
    unknown = _create(api, platform="myspace")
    assert (unknown.status_code, unknown.json()["field"]) == (422, "platform")
    extra = _create(api, colour="red")
    assert (extra.status_code, extra.json()["field"]) == (422, "colour")
    missing = _create(api, base_url="")
    assert (missing.status_code, missing.json()["field"]) == (422, "base_url")
    assert not StoreConnection.objects.exists()


def test_only_admins(agent: User, supervisor: User) -> None:
    for user in (agent, supervisor):
        api = _api(user)
        assert api.get(URL).status_code == 403
        assert _create(api).status_code == 403
        assert api.post("/api/stores/imports", {}, content_type=JSON).status_code == 403
    assert Client().get(URL).status_code == 401


def test_list_and_health_query_counts(admin_user: User, django_assert_num_queries: Any) -> None:
    api = _api(admin_user)
    for n in range(3):
        _create(api, name=f"Shop {n}")
    connection = StoreConnection.objects.first()
    assert connection is not None
    from django.utils import timezone

    from afterdesk.stores.models import WebhookDelivery

    for n in range(5):
        WebhookDelivery.objects.create(
            connection=connection,
            delivery_id=f"d{n}",
            topic="orders/create",
            body=b"{}",
            received_at=timezone.now(),
            state="processed",
        )
    with django_assert_num_queries(2):  # token with its user, connections with stores
        listed = api.get(URL)
    assert [c["name"] for c in listed.json()] == ["Shop 0", "Shop 1", "Shop 2"]
    with django_assert_num_queries(3):  # token with its user, connection, deliveries
        health = api.get(f"{URL}/{connection.pk}")
    assert len(health.json()["deliveries"]) == 5
    assert health.json()["deliveries"][0]["state"] == "processed"


def test_sync_now_runs_the_sync_after_commit(
    admin_user: User,
    shopify_server: ShopifyServer,
    shopify_connection: StoreConnection,
    django_capture_on_commit_callbacks: Any,
) -> None:
    shopify_server.orders = [shopify_order(1001)]
    api = _api(admin_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = api.post(f"{URL}/{shopify_connection.pk}/sync")
    assert answer.status_code == 202
    assert len(callbacks) == 1
    assert Order.objects.filter(store=shopify_connection.store, number="#1001").exists()
    health = api.get(f"{URL}/{shopify_connection.pk}").json()
    assert health["connection"]["last_sync_result"] == "1 orders (1 new)"
    assert api.post(f"{URL}/999/sync").status_code == 404


def test_csv_import_preview_then_confirm(admin_user: User) -> None:
    Store.objects.create(code="etsy", name="Etsy")
    api = _api(admin_user)
    bad = api.post(
        "/api/stores/imports",
        {"store": "etsy", "csv": GOOD.replace("2026-11-01,EUR,paid", "someday,EUR,paid")},
        content_type=JSON,
    )
    assert bad.status_code == 201
    assert bad.json()["import_id"] is None
    assert bad.json()["errors"][0]["line"] == 2
    preview = api.post(
        "/api/stores/imports", {"store": "etsy", "csv": GOOD}, content_type=JSON
    ).json()
    assert preview["orders"] == 2
    assert preview["first_orders"][0]["lines"][0]["sku"] == "MUG"
    assert Order.objects.count() == 0
    done = api.post(f"/api/stores/imports/{preview['import_id']}/confirm")
    assert done.status_code == 200
    assert done.json()["orders_written"] == 2
    again = api.post(f"/api/stores/imports/{preview['import_id']}/confirm")
    assert again.status_code == 409
    assert Order.objects.count() == 2
    unknown = api.post("/api/stores/imports", {"store": "nope", "csv": GOOD}, content_type=JSON)
    assert (unknown.status_code, json.loads(unknown.content)["field"]) == (404, "store")


def test_an_address_that_is_no_url_is_422(admin_user: User) -> None:
    api = _api(admin_user)
    for address in ("https://[::1", "https://shop.example:port", "https://"):
        answer = _create(api, base_url=address)
        assert (answer.status_code, answer.json()["field"]) == (422, "base_url")
