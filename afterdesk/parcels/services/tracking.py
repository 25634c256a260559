"""Writing tracking events (docs/stores.md, "Parcels and tracking"): each checkpoint once
(its dedup key), the parcel's latest status and last event instant kept on the shipment, and a
stall ended by the event that breaks the silence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from afterdesk.commerce.models import Shipment, TrackingEvent, TrackingStatus
from afterdesk.core.errors import ValidationError
from afterdesk.parcels.models import ParcelStall
from afterdesk.parcels.statuses import SHIPMENT_STATUS_OF


@dataclass(frozen=True)
class Checkpoint:
    """One carrier checkpoint as a source told it, already normalised."""

    tracking_number: str
    carrier: str
    at: datetime
    status: TrackingStatus
    raw_status: str
    description: str
    location: str
    source: str


def dedup_key(checkpoint: Checkpoint) -> str:
    """The same checkpoint from the same source gives the same key (a webhook retried, a CSV
    imported twice); the key does not depend on anything the source may vary between sends."""
    parts = (
        checkpoint.source,
        checkpoint.tracking_number.upper(),
        checkpoint.at.isoformat(),
        checkpoint.raw_status,
        checkpoint.description,
        checkpoint.location,
    )
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def shipment_for_tracking(tracking_number: str, carrier: str = "") -> Shipment:
    """The parcel with this tracking number (case-insensitive); the carrier decides between
    two parcels that share a number."""
    found = list(
        Shipment.objects.filter(tracking_number__iexact=tracking_number.strip()).order_by("id")[:5]
    )
    if carrier and len(found) > 1:
        same = [s for s in found if s.carrier.lower() == carrier.lower()]
        found = same or found
    if not found:
        raise ValidationError(
            f"no parcel with tracking number {tracking_number!r}", field="tracking_number"
        )
    return found[0]


def checkpoints_record(checkpoints: list[Checkpoint]) -> int:
    """Write the checkpoints not written yet; the number written. Call inside a transaction
    (each parcel's row is locked while its latest status is worked out)."""
    written = 0
    touched: dict[int, Shipment] = {}
    for checkpoint in checkpoints:
        shipment = shipment_for_tracking(checkpoint.tracking_number, checkpoint.carrier)
        key = dedup_key(checkpoint)
        try:
            with transaction.atomic():
                TrackingEvent.objects.create(
                    shipment=shipment,
                    at=checkpoint.at,
                    status=SHIPMENT_STATUS_OF[checkpoint.status],
                    tracking_status=checkpoint.status,
                    raw_status=checkpoint.raw_status[:100],
                    description=checkpoint.description[:300],
                    location=checkpoint.location[:200],
                    source=checkpoint.source,
                    dedup_key=key,
                )
        except IntegrityError:
            continue  # told before
        written += 1
        touched[shipment.pk] = shipment
    for shipment_id in touched:
        shipment_refresh(shipment_id)
    return written


def shipment_refresh(shipment_id: int) -> None:
    """Set the parcel's latest tracking status and instant from its events; a stall ends when
    an event arrives after it began."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    latest = (
        TrackingEvent.objects.filter(shipment_id=shipment_id)
        .exclude(tracking_status="")
        .order_by("-at", "-id")
        .first()
    )
    if latest is None:
        return
    shipment.tracking_status = latest.tracking_status
    shipment.last_tracking_at = latest.at
    shipment.status = SHIPMENT_STATUS_OF[TrackingStatus(latest.tracking_status)]
    if latest.tracking_status == TrackingStatus.DELIVERED and shipment.delivered_at is None:
        shipment.delivered_at = latest.at
    fields = ["tracking_status", "last_tracking_at", "status", "delivered_at"]
    if shipment.stalled:
        shipment.stalled = False
        shipment.stalled_since = None
        fields += ["stalled", "stalled_since"]
        ParcelStall.objects.filter(Q(shipment_id=shipment_id) & Q(ended_at__isnull=True)).update(
            ended_at=latest.at
        )
    shipment.save(update_fields=fields)
