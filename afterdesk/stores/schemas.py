"""Shapes of the stores API (docs/stores.md, "API")."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr


class StoreConnectionPatch(InputSchema):
    """Only the fields sent change. Secrets are write-only: left out or `""`, they stay."""

    name: SafeStr | None = Field(None, max_length=150)
    base_url: SafeStr | None = Field(
        None,
        max_length=300,
        description="https://<shop>.myshopify.com, the WordPress site; Amazon and eBay: only to "
        "replace the platform's API host",
    )
    api_version: SafeStr | None = Field(None, max_length=20, description="Shopify, e.g. 2025-10")
    market: SafeStr | None = Field(None, max_length=10)
    currency: SafeStr | None = Field(None, max_length=3)
    enabled: bool | None = None
    access_token: SafeStr | None = Field(None, max_length=500, description="Shopify")
    consumer_key: SafeStr | None = Field(None, max_length=500, description="WooCommerce")
    consumer_secret: SafeStr | None = Field(None, max_length=500, description="WooCommerce")
    client_id: SafeStr | None = Field(
        None, max_length=500, description="Amazon: the LWA client id; eBay: the App ID"
    )
    client_secret: SafeStr | None = Field(
        None, max_length=500, description="Amazon: the LWA client secret; eBay: the Cert ID"
    )
    refresh_token: SafeStr | None = Field(
        None, max_length=4000, description="Amazon (Atzr|…) and eBay: the seller's refresh token"
    )
    region: SafeStr | None = Field(None, max_length=2, description="Amazon: NA, EU or FE")
    marketplace_id: SafeStr | None = Field(
        None, max_length=20, description="Amazon, e.g. ATVPDKIKX0DER (US), A1PA6795UKMFR9 (DE)"
    )
    seller_id: SafeStr | None = Field(None, max_length=40, description="Amazon: the seller id")
    environment: SafeStr | None = Field(
        None, max_length=10, description="eBay: production or sandbox"
    )
    webhook_secret: SafeStr | None = Field(
        None, max_length=500, description="Shopify: the app's client secret"
    )


class StoreConnectionIn(StoreConnectionPatch):
    platform: SafeStr = Field(
        max_length=20, description="shopify, woocommerce, amazon, ebay or another (CSV only)"
    )
    name: SafeStr = Field(max_length=150)


class StoreConnectionOut(Schema):
    id: int
    platform: str
    name: str
    store: str = Field(description="The store's code (orders are written to it)")
    base_url: str
    api_version: str
    options: dict[str, str] = Field(
        description="Amazon: region, marketplace_id, seller_id; eBay: environment"
    )
    enabled: bool
    webhook_path: str = Field(
        description="Where the platform posts its webhooks (Shopify, WooCommerce; else empty)"
    )
    credentials_set: bool = Field(description="API credentials are stored (never shown)")
    webhook_secret_set: bool
    last_sync_at: datetime | None
    last_sync_result: str
    last_error: str
    last_error_at: datetime | None
    sync_watermark: datetime | None = Field(
        description="The next sync asks for the orders changed since this instant"
    )
    failed_deliveries: int = Field(
        description="Webhook deliveries that failed, waiting for an admin's retry"
    )


class StoreWebhookDeliveryOut(Schema):
    id: int
    delivery_id: str
    topic: str
    state: str
    reason: str
    order_id: int | None
    received_at: datetime
    processed_at: datetime | None


class StoreHealthOut(Schema):
    connection: StoreConnectionOut
    deliveries: list[StoreWebhookDeliveryOut] = Field(
        description="The 20 latest webhook deliveries"
    )


class StoreSyncQueued(Schema):
    queued: bool


class OrderImportIn(InputSchema):
    store: SafeStr = Field(max_length=100, description="The store's code")
    csv: str = Field(max_length=5 * 1024 * 1024, description="The CSV text (docs/stores.md)")
    file_name: SafeStr = Field("", max_length=200)


class ImportLineErrorOut(Schema):
    line: int
    message: str
    field: str


class ImportPreviewLineOut(Schema):
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


class ImportPreviewOrderOut(Schema):
    number: str
    placed_at: datetime
    currency: str
    total: Decimal
    status: str
    customer_email: str
    lines: list[ImportPreviewLineOut]


class OrderImportPreviewOut(Schema):
    import_id: int | None = Field(description="Confirm it with POST …/imports/{id}/confirm")
    orders: int
    rows: int
    first_orders: list[ImportPreviewOrderOut]
    errors: list[ImportLineErrorOut]


class OrderImportDoneOut(Schema):
    import_id: int
    orders_written: int
