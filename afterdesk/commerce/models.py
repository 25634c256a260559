"""Stores, customers, orders, order lines and shipments with their tracking events."""

from __future__ import annotations

from typing import TypeAlias

from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    SHOPIFY = "shopify", "Shopify"
    EBAY = "ebay", "eBay"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    ALIEXPRESS = "aliexpress", "AliExpress"
    WISH = "wish", "Wish"
    OTHER = "other", _("Other")


class Store(models.Model):
    code = models.CharField(max_length=100, unique=True, help_text="History id of the store")
    name = models.CharField(max_length=150)
    platform = models.CharField(max_length=20, choices=Platform.choices, default=Platform.OTHER)
    market = models.CharField(max_length=10, blank=True, help_text="Market code, e.g. US, DE, JP")
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=10, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # The buyer's own tags (e.g. "vip"), lowercase, sorted: SLA policies and routing rules
    # match on them (`customer_tags`), apart from the tags of a ticket.
    tags = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or f"customer {self.pk}"


class CustomerIdentity(models.Model):
    """One way to reach a customer: an email address or a marketplace handle."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        HANDLE = "handle", _("Marketplace handle")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=254)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="uniq_identity")
        ]
        indexes = [
            models.Index(fields=["kind", "value"]),
            # Addresses are looked up whatever their case (`value__iexact`: UPPER(value) on
            # PostgreSQL): without this, each inbound mail scanned every email identity.
            models.Index(F("kind"), Upper("value"), name="identity_kind_value_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Order(models.Model):
    # Named apart from the tickets' and shipments' statuses (OpenAPI names enums after their
    # classes); `Order.Status` is the short name used in the code.
    class OrderStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")

    Status: TypeAlias = OrderStatus

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="orders")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders"
    )
    number = models.CharField(max_length=100, help_text="The platform's order number")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PAID)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3)
    placed_at = models.DateTimeField()

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="uniq_order_number")
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=100)
    title = models.CharField(max_length=300)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class TrackingStatus(models.TextChoices):
    """A carrier checkpoint normalised over AfterShip, 17TRACK and CSV imports."""

    INFO_RECEIVED = "info_received", _("Info received")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    FAILED_ATTEMPT = "failed_attempt", _("Failed attempt")
    EXCEPTION = "exception", _("Exception")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")
    EXPIRED = "expired", _("Expired")


# A parcel in one of these is no longer travelling: it cannot stall.
TRACKING_FINAL = (
    TrackingStatus.DELIVERED,
    TrackingStatus.RETURNED_TO_SENDER,
    TrackingStatus.EXPIRED,
)


class Shipment(models.Model):
    # Named apart from the tickets' and orders' statuses (see Order.OrderStatus).
    class ShipmentStatus(models.TextChoices):
        LABEL_CREATED = "label_created", _("Label created")
        IN_TRANSIT = "in_transit", _("In transit")
        OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        EXCEPTION = "exception", _("Exception")
        RETURNED = "returned", _("Returned to sender")

    Status: TypeAlias = ShipmentStatus

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=50)
    tracking_number = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LABEL_CREATED)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The tracking as the parcels app normalises it (docs/stores.md, "Parcels and tracking"):
    # the latest normalised status, when the last tracking event happened, and the stall flag
    # the periodic check sets (cleared by the next tracking event).
    tracking_status = models.CharField(max_length=20, choices=TrackingStatus.choices, blank=True)
    last_tracking_at = models.DateTimeField(null=True, blank=True)
    stalled = models.BooleanField(default=False)
    stalled_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["carrier", "tracking_number"]),
            models.Index(fields=["tracking_number"], name="shipment_tracking_number"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Shipment.Status.choices)
    location = models.CharField(max_length=200, blank=True)
    description = models.CharField(max_length=300, blank=True)
    # Filled by the parcels app (blank on events imported from history or the demo).
    tracking_status = models.CharField(max_length=20, choices=TrackingStatus.choices, blank=True)
    raw_status = models.CharField(max_length=100, blank=True, help_text="As the source names it")
    source = models.CharField(max_length=20, blank=True, help_text="aftership, 17track, csv")
    # The same checkpoint told twice (a webhook retried, a CSV imported again) is kept once.
    dedup_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.status}"
