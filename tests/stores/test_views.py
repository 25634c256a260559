"""The admins' store pages: list, form (secrets never shown), health with deliveries, sync
now, CSV import preview and confirm; pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order, Store
from afterdesk.stores.models import StoreConnection, WebhookDelivery
from afterdesk.stores.services.connections import credentials_of
from tests.stores.test_csv_import import GOOD

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, admin_user: User) -> Client:
    client.force_login(admin_user)
    return client


def test_connect_a_store_in_the_form_secrets_never_shown(admin_client: Client) -> None:
    answer = admin_client.post(
        "/stores/new/",
        {
            "platform": "woocommerce",
            "name": "Tea US",
            "base_url": "https://tea.example",
            "consumer_key": "ck_abc",
            "consumer_secret": "cs_def",
            "webhook_secret": "hook",
            "enabled": "on",
        },
    )
    assert answer.status_code == 302
    connection = StoreConnection.objects.get()
    assert credentials_of(connection) == {"consumer_key": "ck_abc", "consumer_secret": "cs_def"}
    page = admin_client.get(f"/stores/{connection.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    for secret in ("ck_abc", "cs_def", 'hook"'):
        assert secret not in text
    assert f"/webhooks/woocommerce/{connection.key}" in text

    # Saved again without secrets: they stay.
    answer = admin_client.post(
        f"/stores/{connection.pk}/",
        {"platform": "shopify", "name": "Tea", "base_url": "https://tea.example"},
    )
    assert answer.status_code == 302
    connection.refresh_from_db()
    assert (connection.platform, connection.name, connection.enabled) == (
        "woocommerce",
        "Tea",
        False,
    )
    assert credentials_of(connection)["consumer_secret"] == "cs_def"
    assert connection.webhook_secret == "hook"


def test_bad_input_is_shown_on_the_form(admin_client: Client) -> None:
    answer = admin_client.post(
        "/stores/new/", {"platform": "shopify", "name": "X", "base_url": "http://x.example"}
    )
    assert answer.status_code == 422
    assert "https://" in answer.content.decode()
    assert not StoreConnection.objects.exists()


def test_pages_are_for_admins(client: Client, agent: User, supervisor: User) -> None:
    for user in (agent, supervisor):
        client.force_login(user)
        assert client.get("/stores/").status_code == 403
        assert client.get("/stores/import/").status_code == 403


def _connection(name: str) -> StoreConnection:
    store = Store.objects.create(code=name, name=name, platform="shopify")
    return StoreConnection.objects.create(
        platform="shopify", name=name, store=store, base_url="https://x.myshopify.com"
    )


def test_list_and_health_query_counts(admin_client: Client, django_assert_num_queries: Any) -> None:
    connections = [_connection(f"shop-{n}") for n in range(3)]
    StoreConnection.objects.filter(pk=connections[0].pk).update(
        last_error="Shopify refused the access token (HTTP 401)", last_error_at=timezone.now()
    )
    for n in range(4):
        WebhookDelivery.objects.create(
            connection=connections[0],
            delivery_id=f"d{n}",
            topic="orders/create",
            body=b"{}",
            received_at=timezone.now(),
            state="failed",
            reason=f"reason {n}",
        )
    admin_client.get("/stores/")  # the session's first request
    with django_assert_num_queries(3):  # session, user, connections with their stores
        listed = admin_client.get("/stores/")
    assert listed.status_code == 200
    assert "refused the access token" in listed.content.decode()
    with django_assert_num_queries(4):  # session, user, connection, deliveries
        health = admin_client.get(f"/stores/{connections[0].pk}/")
    text = health.content.decode()
    assert all(f"reason {n}" in text for n in range(4))


def test_csv_import_page_previews_then_confirms(admin_client: Client) -> None:
    Store.objects.create(code="etsy", name="Etsy")
    bad = admin_client.post(
        "/stores/import/",
        {
            "store": "etsy",
            "file": SimpleUploadedFile("o.csv", GOOD.replace("9.50", "lots").encode()),
        },
    )
    assert bad.status_code == 422
    assert "Line 2:" in bad.content.decode()
    good = admin_client.post(
        "/stores/import/", {"store": "etsy", "file": SimpleUploadedFile("o.csv", GOOD.encode())}
    )
    assert good.status_code == 200
    assert "2 orders will be written" in good.content.decode()
    assert Order.objects.count() == 0
    record = good.context["preview"].record
    done = admin_client.post(f"/stores/import/{record.pk}/confirm/")
    assert done.status_code == 302
    assert Order.objects.filter(store__code="etsy").count() == 2


def test_the_store_pages_render_in_chinese(admin_client: Client) -> None:
    connection = _connection("shop-zh")
    zh = {"accept-language": "zh-hans"}
    listed = admin_client.get("/stores/", headers=zh).content.decode()
    assert "连接店铺" in listed
    assert "上次同步" in listed
    health = admin_client.get(f"/stores/{connection.pk}/", headers=zh).content.decode()
    assert "最近的 Webhook 推送" in health
    assert "加密保存，永不显示" in health
    imports = admin_client.get("/stores/import/", headers=zh).content.decode()
    assert "从 CSV 导入订单" in imports
