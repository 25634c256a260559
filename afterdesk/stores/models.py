"""Connections to the sellers' stores (docs/stores.md): their credentials (Fernet tokens,
`core.credentials`), every webhook delivery as it arrived, the platform ids of the orders and
customers they wrote into `commerce`, and the CSV imports waiting for confirmation."""

from __future__ import annotations

import contextlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Customer, Order, Platform, Store
from afterdesk.core.credentials import CredentialsError, secret_decrypt, secret_encrypt

# The platforms with an API client here; any other platform imports CSV.
API_PLATFORMS = (Platform.SHOPIFY, Platform.WOOCOMMERCE, Platform.AMAZON, Platform.EBAY)
SECRET_ROTATION_WINDOW = timedelta(hours=24)


def _webhook_key() -> str:
    return secrets.token_urlsafe(18)


class StoreConnection(models.Model):
    """One seller store on one platform. `key` is the unguessable part of its webhook URL
    (`/webhooks/<platform>/<key>`). Credentials are a JSON object encrypted as one Fernet token:
    Shopify `{"access_token"}`, WooCommerce `{"consumer_key", "consumer_secret"}`, Amazon and
    eBay `{"client_id", "client_secret", "refresh_token"}`."""

    platform = models.CharField(max_length=20, choices=Platform.choices)
    name = models.CharField(max_length=150)
    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="connection")
    base_url = models.CharField(
        max_length=300, blank=True, help_text="https://shop.myshopify.com or the WordPress site"
    )
    api_version = models.CharField(max_length=20, blank=True)
    # The platform's settings that are not secrets: Amazon `{"region", "marketplace_id",
    # "seller_id"}`, eBay `{"environment"}` (docs/stores.md).
    options = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=40, unique=True, default=_webhook_key)
    credentials_encrypted = models.TextField(blank=True)
    webhook_secret_encrypted = models.TextField(blank=True)
    # After a new webhook secret is saved, the one it replaced still verifies deliveries until
    # `previous_secret_until` (the platform may sign with it for a while: retries, caches).
    previous_webhook_secret_encrypted = models.TextField(blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    # Orders updated at or after this instant are fetched by the next sync.
    sync_watermark = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_sync_result = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.name}"

    def set_credentials(self, plain_json: str) -> None:
        self.credentials_encrypted = secret_encrypt(plain_json)

    @property
    def credentials_json(self) -> str:
        return secret_decrypt(self.credentials_encrypted)

    def set_webhook_secret(self, plain: str) -> None:
        """The new secret; the one it replaces stays valid for SECRET_ROTATION_WINDOW."""
        if self.webhook_secret_encrypted and plain != self.webhook_secret_or_empty():
            self.previous_webhook_secret_encrypted = self.webhook_secret_encrypted
            self.previous_secret_until = timezone.now() + SECRET_ROTATION_WINDOW
        self.webhook_secret_encrypted = secret_encrypt(plain)

    def webhook_secret_or_empty(self) -> str:
        try:
            return self.webhook_secret
        except CredentialsError:
            return ""

    def webhook_secrets_valid(self) -> list[str]:
        """The secrets a delivery may be signed with now: the current one, and the previous
        one within its window (secrets the credentials key cannot read are left out)."""
        secrets_now = [self.webhook_secret_or_empty()]
        if self.previous_secret_until and self.previous_secret_until > timezone.now():
            with contextlib.suppress(CredentialsError):
                secrets_now.append(secret_decrypt(self.previous_webhook_secret_encrypted))
        return [secret for secret in secrets_now if secret]

    @property
    def webhook_secret(self) -> str:
        return secret_decrypt(self.webhook_secret_encrypted)


class DeliveryState(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (a topic the desk does not use)")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """A signed webhook body exactly as it arrived, stored before it is read; unique by the
    platform's delivery id (X-Shopify-Webhook-Id, X-WC-Webhook-Delivery-ID)."""

    connection = models.ForeignKey(
        StoreConnection, on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.CharField(max_length=100)
    topic = models.CharField(max_length=60)
    body = models.BinaryField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.RECEIVED
    )
    reason = models.TextField(blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "delivery_id"], name="uniq_store_webhook_delivery"
            )
        ]
        indexes = [
            models.Index(fields=["connection", "-received_at"], name="store_delivery_recent")
        ]

    def __str__(self) -> str:
        return f"{self.topic} {self.delivery_id} {self.state}"


class OrderLink(models.Model):
    """The platform's side of a commerce order: its id there, statuses as the platform
    names them, the admin link, and the refunds already counted."""

    connection = models.ForeignKey(
        StoreConnection, on_delete=models.CASCADE, related_name="order_links"
    )
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="platform_link")
    external_id = models.CharField(max_length=100)
    financial_status = models.CharField(max_length=40, blank=True)
    fulfillment_status = models.CharField(max_length=40, blank=True)
    admin_url = models.URLField(max_length=400, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    refunded_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    refund_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="uniq_store_order_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.external_id}"


class CustomerLink(models.Model):
    connection = models.ForeignKey(
        StoreConnection, on_delete=models.CASCADE, related_name="customer_links"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="uniq_store_customer_link"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.external_id}"


class ImportState(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed, waiting for confirmation")
    IMPORTED = "imported", _("Imported")


class OrderImport(models.Model):
    """An uploaded CSV file of orders: previewed first, written when confirmed."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    file_name = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    state = models.CharField(
        max_length=10, choices=ImportState.choices, default=ImportState.PREVIEWED
    )
    orders_written = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.state}"
