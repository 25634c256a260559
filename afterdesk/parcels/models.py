"""Parcel tracking (docs/stores.md, "Parcels and tracking"): every tracking webhook body as it
arrived, and every stall of a parcel (the event automations act on). The tracking events
themselves are `commerce.TrackingEvent`, the parcel is `commerce.Shipment`."""

from __future__ import annotations

from django.core.exceptions import ValidationError as FieldError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Shipment
from afterdesk.core.credentials import secret_decrypt, secret_encrypt


class TrackingSource(models.TextChoices):
    AFTERSHIP = "aftership", "AfterShip"
    SEVENTEEN_TRACK = "17track", "17TRACK"
    CSV = "csv", "CSV"


class TrackingDeliveryState(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored")
    FAILED = "failed", _("Failed")


class TrackingDelivery(models.Model):
    """A signed tracking webhook body, stored (committed) before it is read; unique by the
    body's SHA-256 per source, so a replay is stored once and applied once. One left
    `received` by a crash is applied when the tracker sends it again."""

    source = models.CharField(max_length=20, choices=TrackingSource.choices)
    body_sha256 = models.CharField(max_length=64)
    body = models.BinaryField()
    state = models.CharField(
        max_length=10,
        choices=TrackingDeliveryState.choices,
        default=TrackingDeliveryState.RECEIVED,
    )
    reason = models.TextField(blank=True)
    events_written = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "body_sha256"], name="uniq_tracking_delivery_body"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.body_sha256[:12]} {self.state}"


class ParcelStall(models.Model):
    """A parcel that went quiet: raised once per stall (unique by parcel and the instant the
    stall began); `ended_at` is set by the next tracking event."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="stalls")
    stalled_since = models.DateTimeField()
    quiet_days = models.PositiveIntegerField()
    raised_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "stalled_since"], name="uniq_parcel_stall")
        ]

    def __str__(self) -> str:
        return f"stall of shipment {self.shipment_id} since {self.stalled_since:%Y-%m-%d}"


class TrackerSecret(models.Model):
    """A tracker's webhook secret typed in the admin, Fernet-encrypted (`core.credentials`);
    AFTERSHIP_WEBHOOK_SECRET or SEVENTEEN_TRACK_WEBHOOK_KEY in the environment come first."""

    source = models.CharField(
        max_length=20,
        unique=True,
        choices=[
            (TrackingSource.AFTERSHIP.value, TrackingSource.AFTERSHIP.label),
            (TrackingSource.SEVENTEEN_TRACK.value, TrackingSource.SEVENTEEN_TRACK.label),
        ],
    )
    secret_encrypted = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["source"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} webhook secret"

    def set_secret(self, plain: str) -> None:
        self.secret_encrypted = secret_encrypt(plain)

    @property
    def secret(self) -> str:
        return secret_decrypt(self.secret_encrypted)


class StallRule(models.Model):
    """Days without a tracking event after which a parcel of this market (the store's) and
    carrier is stalled, set by an administrator (Django admin, Parcels → Stall rules). It
    comes before PARCELS_STALLED_OVERRIDES for the same market and carrier; `*` stands for any
    (`*`/`*` replaces PARCELS_STALLED_DAYS)."""

    market = models.CharField(
        max_length=10, help_text=_("The store's market, e.g. DE; * for any market.")
    )
    carrier = models.CharField(
        max_length=60, help_text=_("The carrier as the parcel names it, e.g. dhl; * for any.")
    )
    days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days without a tracking event (1 to 365)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["market", "carrier"]
        constraints = [
            models.UniqueConstraint(fields=["market", "carrier"], name="uniq_stall_rule_scope")
        ]

    def __str__(self) -> str:
        return f"{self.market}:{self.carrier}={self.days}"

    def clean(self) -> None:
        self.market = self.market.strip().upper()
        self.carrier = self.carrier.strip().lower()
        if not self.market or not self.carrier:
            raise FieldError(_("Market and carrier are required (* for any)."))
        if any(sign in self.market + self.carrier for sign in ",:="):
            raise FieldError(_("Market and carrier cannot contain , : or =."))
