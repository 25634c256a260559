"""Admins' configuration of store connections (docs/stores.md, "Connecting a store"). Secrets
are write-only: encrypted on the way in (`core.credentials`), never shown again; an empty
secret on an update keeps the stored one."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from afterdesk.commerce.models import Platform, Store
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.stores import amazon, ebay
from afterdesk.stores.amazon import AmazonClient
from afterdesk.stores.ebay import EbayClient
from afterdesk.stores.models import API_PLATFORMS, StoreConnection
from afterdesk.stores.shopify import ShopifyClient
from afterdesk.stores.sources import OrderSource, base_url_check
from afterdesk.stores.woocommerce import WooCommerceClient

API_VERSION_PATTERN = re.compile(r"^(\d{4}-\d{2}|unstable)$")
MARKETPLACE_ID_PATTERN = re.compile(r"^[A-Z0-9]{8,20}$")
# Platforms whose API has one address the client knows (a base URL only overrides it).
FIXED_HOST_PLATFORMS = (Platform.AMAZON, Platform.EBAY)


@dataclass
class ConnectionInput:
    platform: str
    name: str
    base_url: str = ""
    api_version: str = ""
    market: str = ""
    currency: str = ""
    enabled: bool = True
    # Write-only; None or "" keeps what is stored.
    access_token: str | None = None  # Shopify
    consumer_key: str | None = None  # WooCommerce
    consumer_secret: str | None = None  # WooCommerce
    client_id: str | None = None  # Amazon (LWA) and eBay
    client_secret: str | None = None  # Amazon (LWA) and eBay
    refresh_token: str | None = None  # Amazon and eBay
    webhook_secret: str | None = None
    # Not secret, shown; None keeps what is stored.
    region: str | None = None  # Amazon: NA, EU, FE
    marketplace_id: str | None = None  # Amazon, e.g. ATVPDKIKX0DER
    seller_id: str | None = None  # Amazon (the merchant token)
    environment: str | None = None  # eBay: production, sandbox


def connections_all() -> QuerySet[StoreConnection]:
    return StoreConnection.objects.select_related("store").order_by("name", "id")


def connection_get(connection_id: int) -> StoreConnection:
    found = StoreConnection.objects.select_related("store").filter(pk=connection_id).first()
    if found is None:
        raise NotFound(f"no store connection {connection_id}", field="connection")
    return found


@transaction.atomic
def connection_save(
    data: ConnectionInput, *, existing: StoreConnection | None = None
) -> StoreConnection:
    if data.platform not in Platform.values:
        raise ValidationError(f"unknown platform {data.platform[:30]!r}", field="platform")
    name = data.name.strip()
    if not name:
        raise ValidationError("a connection needs a name", field="name")
    if existing is not None and existing.platform != data.platform:
        raise ValidationError("a connection's platform cannot change", field="platform")
    base_url = base_url_check(data.base_url) if data.base_url.strip() else ""
    needs_address = data.platform in API_PLATFORMS and data.platform not in FIXED_HOST_PLATFORMS
    if needs_address and not base_url:
        raise ValidationError("the store's address is required for this platform", field="base_url")
    version = data.api_version.strip()
    if version and not API_VERSION_PATTERN.match(version):
        raise ValidationError("the API version looks like 2025-10", field="api_version")
    connection = existing or StoreConnection(platform=data.platform)
    if existing is None:
        connection.store = _store_for(data, name)
    else:
        store = connection.store
        store.name = name[:150]
        store.market = data.market.strip().upper()[:10]
        store.currency = data.currency.strip().upper()[:3]
        store.save(update_fields=["name", "market", "currency"])
    connection.name = name[:150]
    connection.base_url = base_url
    connection.api_version = version
    connection.enabled = data.enabled
    connection.options = _options(connection, data)
    _credentials_apply(connection, data)
    if data.webhook_secret:
        connection.set_webhook_secret(data.webhook_secret.strip())
    connection.save()
    return connection


def connection_delete(connection: StoreConnection) -> None:
    """The connection goes; its store and the orders it brought stay."""
    connection.order_links.all().delete()
    connection.customer_links.all().delete()
    StoreConnection.objects.filter(pk=connection.pk).delete()


def _store_for(data: ConnectionInput, name: str) -> Store:
    base = f"{data.platform}-{slugify(name)[:60] or 'store'}"
    code, number = base, 1
    while Store.objects.filter(code=code).exists():
        number += 1
        code = f"{base}-{number}"
    return Store.objects.create(
        code=code,
        name=name[:150],
        platform=data.platform,
        market=data.market.strip().upper()[:10],
        currency=data.currency.strip().upper()[:3],
    )


def _credentials_apply(connection: StoreConnection, data: ConnectionInput) -> None:
    stored = credentials_of(connection) if connection.credentials_encrypted else {}
    if connection.platform == Platform.SHOPIFY and data.access_token:
        stored["access_token"] = data.access_token.strip()
    if connection.platform == Platform.WOOCOMMERCE:
        if data.consumer_key:
            stored["consumer_key"] = data.consumer_key.strip()
        if data.consumer_secret:
            stored["consumer_secret"] = data.consumer_secret.strip()
    if connection.platform in FIXED_HOST_PLATFORMS:
        for name in ("client_id", "client_secret", "refresh_token"):
            value = getattr(data, name)
            if value:
                stored[name] = value.strip()
    if stored:
        connection.set_credentials(json.dumps(stored))


def _options(connection: StoreConnection, data: ConnectionInput) -> dict[str, str]:
    """The platform's non-secret settings, checked; a field left out keeps its value."""
    stored = dict(connection.options or {})
    if connection.platform == Platform.AMAZON:
        region = (data.region if data.region is not None else stored.get("region", "")) or "NA"
        region = region.strip().upper()
        if region not in amazon.REGIONS:
            raise ValidationError("the Amazon region is NA, EU or FE", field="region")
        marketplace = data.marketplace_id
        marketplace = stored.get("marketplace_id", "") if marketplace is None else marketplace
        marketplace = marketplace.strip().upper()
        if not MARKETPLACE_ID_PATTERN.match(marketplace):
            raise ValidationError(
                "the Amazon marketplace id is required (e.g. ATVPDKIKX0DER, A1PA6795UKMFR9)",
                field="marketplace_id",
            )
        seller = data.seller_id if data.seller_id is not None else stored.get("seller_id", "")
        return {"region": region, "marketplace_id": marketplace, "seller_id": seller.strip()[:40]}
    if connection.platform == Platform.EBAY:
        environment = data.environment
        environment = stored.get("environment", "") if environment is None else environment
        environment = environment.strip().lower() or "production"
        if environment not in ebay.ENVIRONMENTS:
            raise ValidationError(
                "the eBay environment is production or sandbox", field="environment"
            )
        return {"environment": environment}
    return stored


def credentials_of(connection: StoreConnection) -> dict[str, str]:
    try:
        value = json.loads(connection.credentials_json or "{}")
    except json.JSONDecodeError:
        value = {}
    return value if isinstance(value, dict) else {}


def source_for(
    connection: StoreConnection, *, sleep: Callable[[float], None] | None = None
) -> OrderSource:
    """The platform client of a connection; a ValidationError when it has no API client or
    lacks its credentials, a CredentialsError when they cannot be decrypted."""
    credentials = credentials_of(connection)
    options = {"sleep": sleep} if sleep else {}
    if connection.platform == Platform.SHOPIFY:
        if not credentials.get("access_token"):
            raise ValidationError("the Shopify access token is not set", field="access_token")
        return ShopifyClient(
            base_url=connection.base_url,
            access_token=credentials["access_token"],
            api_version=connection.api_version,
            **options,
        )
    if connection.platform == Platform.WOOCOMMERCE:
        if not (credentials.get("consumer_key") and credentials.get("consumer_secret")):
            raise ValidationError(
                "the WooCommerce consumer key and secret are not set", field="consumer_key"
            )
        return WooCommerceClient(
            base_url=connection.base_url,
            consumer_key=credentials["consumer_key"],
            consumer_secret=credentials["consumer_secret"],
            **options,
        )
    if connection.platform in FIXED_HOST_PLATFORMS:
        missing = [
            name
            for name in ("client_id", "client_secret", "refresh_token")
            if not credentials.get(name)
        ]
        if missing:
            raise ValidationError(
                f"the {connection.get_platform_display()} {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not set",
                field=missing[0],
            )
        chosen = connection.options or {}
        if connection.platform == Platform.AMAZON:
            return AmazonClient(
                client_id=credentials["client_id"],
                client_secret=credentials["client_secret"],
                refresh_token=credentials["refresh_token"],
                marketplace_id=str(chosen.get("marketplace_id", "")),
                region=str(chosen.get("region", "NA")),
                seller_id=str(chosen.get("seller_id", "")),
                base_url=connection.base_url,
                sleep=sleep or time.sleep,
            )
        return EbayClient(
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            refresh_token=credentials["refresh_token"],
            environment=str(chosen.get("environment", "production")),
            base_url=connection.base_url,
            sleep=sleep or time.sleep,
        )
    raise ValidationError(
        f"{connection.get_platform_display()} orders come by CSV import, not by sync",
        field="platform",
    )
