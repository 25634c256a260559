"""Fixtures of the store tests: connections pointed at the local platform servers
(tests/stores/servers.py)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator

import pytest

from afterdesk.stores.models import StoreConnection
from afterdesk.stores.services.connections import ConnectionInput, connection_save
from afterdesk.stores.sources import PRIVATE_HOSTS_ENV
from tests.stores.servers import (
    SHOPIFY_TOKEN,
    WOO_KEY,
    WOO_SECRET,
    ShopifyServer,
    WooServer,
    running_shopify,
    running_woocommerce,
)

SHOPIFY_SECRET = "shopify-client-secret"
WOO_WEBHOOK_SECRET = "woo-webhook-secret"


def signed(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture(autouse=True)
def _local_stores_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The platform servers of these tests run on 127.0.0.1."""
    monkeypatch.setenv(PRIVATE_HOSTS_ENV, "1")


@pytest.fixture
def shopify_server() -> Iterator[ShopifyServer]:
    with running_shopify() as server:
        yield server


@pytest.fixture
def woo_server() -> Iterator[WooServer]:
    with running_woocommerce() as server:
        yield server


@pytest.fixture
def shopify_connection(shopify_server: ShopifyServer) -> StoreConnection:
    return connection_save(
        ConnectionInput(
            platform="shopify",
            name="Mugs DE",
            base_url=shopify_server.url,
            access_token=SHOPIFY_TOKEN,
            webhook_secret=SHOPIFY_SECRET,
            market="DE",
        )
    )


@pytest.fixture
def woo_connection(woo_server: WooServer) -> StoreConnection:
    return connection_save(
        ConnectionInput(
            platform="woocommerce",
            name="Tea US",
            base_url=woo_server.url,
            consumer_key=WOO_KEY,
            consumer_secret=WOO_SECRET,
            webhook_secret=WOO_WEBHOOK_SECRET,
        )
    )
