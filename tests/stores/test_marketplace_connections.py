"""Amazon and eBay connections through the API and the form: their secrets write-only and
encrypted like the others, their settings shown, bad settings a 4xx naming the field; the
command line and the 15-minute sync take them like Shopify and WooCommerce."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.commerce.models import Order
from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import credentials_of
from afterdesk.stores.services.sync import connections_sync
from tests.stores.marketplace_servers import (
    AMAZON_CLIENT_ID,
    AMAZON_CLIENT_SECRET,
    AMAZON_REFRESH_TOKEN,
    EBAY_CLIENT_ID,
    EBAY_CLIENT_SECRET,
    EBAY_REFRESH_TOKEN,
    MARKETPLACE_DE,
    amazon_order,
    ebay_order,
    running_amazon,
    running_ebay,
)

pytestmark = pytest.mark.django_db
URL = "/api/stores/connections"
JSON = "application/json"


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_an_amazon_connection_through_the_api(admin_user: User) -> None:
    api = _api(admin_user)
    created = api.post(
        URL,
        {
            "platform": "amazon",
            "name": "Mugs Amazon DE",
            "region": "eu",
            "marketplace_id": MARKETPLACE_DE,
            "seller_id": "A3SELLER",
            "client_id": AMAZON_CLIENT_ID,
            "client_secret": AMAZON_CLIENT_SECRET,
            "refresh_token": AMAZON_REFRESH_TOKEN,
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["base_url"] == ""  # the regional endpoint
    assert body["options"] == {
        "region": "EU",
        "marketplace_id": MARKETPLACE_DE,
        "seller_id": "A3SELLER",
    }
    assert body["credentials_set"] is True
    assert body["webhook_path"] == ""  # Amazon sends no webhooks here
    text = created.content.decode()
    for secret in (AMAZON_CLIENT_SECRET, AMAZON_REFRESH_TOKEN, AMAZON_CLIENT_ID):
        assert secret not in text
    connection = StoreConnection.objects.get()
    assert AMAZON_REFRESH_TOKEN not in connection.credentials_encrypted
    assert credentials_of(connection) == {
        "client_id": AMAZON_CLIENT_ID,
        "client_secret": AMAZON_CLIENT_SECRET,
        "refresh_token": AMAZON_REFRESH_TOKEN,
    }

    # A change of the seller id keeps the secrets and the other settings.
    changed = api.patch(f"{URL}/{connection.pk}", {"seller_id": "A4OTHER"}, content_type=JSON)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["options"]["marketplace_id"] == MARKETPLACE_DE
    connection.refresh_from_db()
    assert connection.options["seller_id"] == "A4OTHER"
    assert credentials_of(connection)["refresh_token"] == AMAZON_REFRESH_TOKEN

    bad = api.patch(f"{URL}/{connection.pk}", {"region": "XX"}, content_type=JSON)
    assert bad.status_code == 422
    assert bad.json()["field"] == "region"


def test_amazon_needs_a_marketplace_and_ebay_a_known_environment(admin_user: User) -> None:
    api = _api(admin_user)
    no_marketplace = api.post(
        URL, {"platform": "amazon", "name": "A", "refresh_token": "x"}, content_type=JSON
    )
    assert no_marketplace.status_code == 422
    assert no_marketplace.json()["field"] == "marketplace_id"
    staging = api.post(
        URL, {"platform": "ebay", "name": "E", "environment": "staging"}, content_type=JSON
    )
    assert staging.status_code == 422
    assert staging.json()["field"] == "environment"
    plain_http = api.post(
        URL,
        {"platform": "ebay", "name": "E", "base_url": "http://api.ebay.example"},
        content_type=JSON,
    )
    assert plain_http.status_code == 422
    assert plain_http.json()["field"] == "base_url"
    assert not StoreConnection.objects.exists()


def test_an_ebay_connection_in_the_form(admin_user: User, client: Client) -> None:
    client.force_login(admin_user)
    answer = client.post(
        "/stores/new/",
        {
            "platform": "ebay",
            "name": "Mugs eBay",
            "environment": "sandbox",
            "client_id": EBAY_CLIENT_ID,
            "client_secret": EBAY_CLIENT_SECRET,
            "refresh_token": EBAY_REFRESH_TOKEN,
            "enabled": "on",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    connection = StoreConnection.objects.get()
    assert connection.options == {"environment": "sandbox"}
    assert credentials_of(connection)["refresh_token"] == EBAY_REFRESH_TOKEN
    page = client.get(f"/stores/{connection.pk}/").content.decode()
    for secret in (EBAY_CLIENT_SECRET, EBAY_REFRESH_TOKEN):
        assert secret not in page
    assert 'value="sandbox" selected' in page
    assert "/webhooks/ebay/" not in page  # eBay sends no webhooks here
    assert "Sync now" in page

    # Saved again with the secrets left empty: they stay.
    again = client.post(
        f"/stores/{connection.pk}/",
        {"platform": "ebay", "name": "Mugs eBay UK", "environment": "sandbox", "enabled": "on"},
    )
    assert again.status_code == 302
    connection.refresh_from_db()
    assert credentials_of(connection)["client_secret"] == EBAY_CLIENT_SECRET
    assert connection.name == "Mugs eBay UK"


def test_the_command_and_the_periodic_sync_take_amazon_and_ebay(
    admin_user: User, capsys: pytest.CaptureFixture[str]
) -> None:
    api = _api(admin_user)
    with running_amazon() as amazon, running_ebay() as ebay:
        amazon.orders = [amazon_order(1)]
        ebay.orders = [ebay_order(1)]
        api.post(
            URL,
            {
                "platform": "amazon",
                "name": "Amazon DE",
                "base_url": amazon.url,
                "marketplace_id": MARKETPLACE_DE,
                "client_id": AMAZON_CLIENT_ID,
                "client_secret": AMAZON_CLIENT_SECRET,
                "refresh_token": AMAZON_REFRESH_TOKEN,
            },
            content_type=JSON,
        )
        api.post(
            URL,
            {
                "platform": "ebay",
                "name": "eBay UK",
                "base_url": ebay.url,
                "client_id": EBAY_CLIENT_ID,
                "client_secret": "wrong",
                "refresh_token": EBAY_REFRESH_TOKEN,
            },
            content_type=JSON,
        )
        results = connections_sync()
        assert sorted((r.written, bool(r.error)) for r in results) == [(0, True), (1, False)]
        assert Order.objects.filter(number="302-0000001-1000001").exists()

        with pytest.raises(CommandError, match="1 of 2 syncs failed"):
            call_command("stores", "sync")
        out = capsys.readouterr().out
        assert "1 orders (0 new)" in out
        assert "eBay refused the OAuth credentials" in out
