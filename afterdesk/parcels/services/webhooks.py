"""Tracking webhooks (docs/stores.md, "Parcels and tracking"): `POST /webhooks/tracking/
aftership` and `POST /webhooks/tracking/17track`.

1. The signature is checked on the raw body first, in constant time: AfterShip's
   `aftership-hmac-sha256` is base64 HMAC-SHA256 of the body keyed with the webhook secret
   (the same scheme as Shopify's, `stores.services.webhooks.signature_valid`); 17TRACK's `sign`
   is hex SHA-256 of the body, "/" and the key. Missing or wrong: 401 and a log line, nothing
   stored.
2. The body is stored as it arrived (`TrackingDelivery`, committed before it is read), unique
   by its SHA-256: the same payload twice is stored and applied once.
3. The body is read (no database work): one that cannot be read (not JSON, no tracking
   number, an instant that is no date, an unknown status) is marked failed with the reason,
   logged and answered 400. Otherwise the answer is 200 at once and a background task
   (`tracking_delivery_process`) writes its checkpoints in one transaction, once: a crash
   rolls it back whole and leaves it `received` for the sweep of stuck deliveries (or the
   tracker's resend); an error (a parcel the desk does not know yet) marks it failed with
   the reason, for an admin to retry (Django admin, Parcels → Tracking deliveries).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.commerce.models import TrackingStatus
from afterdesk.core.credentials import CredentialsError
from afterdesk.core.errors import PayloadTooLarge, ValidationError
from afterdesk.core.tasks import enqueue_on_commit
from afterdesk.parcels.models import (
    TrackerSecret,
    TrackingDelivery,
    TrackingDeliveryState,
    TrackingSource,
)
from afterdesk.parcels.services.tracking import Checkpoint, checkpoints_record
from afterdesk.parcels.statuses import AFTERSHIP_TAGS, SEVENTEEN_TRACK_STATUSES, is_return
from afterdesk.stores.fields import instant_of
from afterdesk.stores.services.webhooks import MalformedPayload, Unauthorized, signature_valid

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 2 * 1024 * 1024
AFTERSHIP_SIGNATURE_HEADER = "aftership-hmac-sha256"
SEVENTEEN_TRACK_SIGNATURE_HEADER = "sign"


@dataclass(frozen=True)
class TrackingReceived:
    delivery: TrackingDelivery
    duplicate: bool


def seventeen_track_sign(body: bytes, key: str) -> str:
    return hashlib.sha256(body + b"/" + key.encode("utf-8")).hexdigest()


def tracker_secret(source: str) -> str:
    """The environment's secret for `source`, else the one typed in the admin; "" when
    neither is set or the stored one cannot be decrypted (then every delivery is refused)."""
    configured = (
        settings.AFTERSHIP_WEBHOOK_SECRET
        if source == TrackingSource.AFTERSHIP
        else settings.SEVENTEEN_TRACK_WEBHOOK_KEY
    )
    if configured:
        return str(configured)
    stored = TrackerSecret.objects.filter(source=source).first()
    if stored is None:
        return ""
    try:
        return stored.secret
    except CredentialsError:
        logger.warning("tracking webhook secret unreadable: source=%s", source)
        return ""


def _signature_ok(source: str, body: bytes, headers: Mapping[str, str]) -> tuple[bool, str]:
    secret = tracker_secret(source)
    if source == TrackingSource.AFTERSHIP:
        given = headers.get(AFTERSHIP_SIGNATURE_HEADER, "")
        if not secret or not given:
            return False, "no webhook secret" if not secret else "no signature"
        return signature_valid(secret=secret, body=body, given=given), "bad signature"
    given = headers.get(SEVENTEEN_TRACK_SIGNATURE_HEADER, "")
    if not secret or not given:
        return False, "no webhook key" if not secret else "no signature"
    expected = seventeen_track_sign(body, secret)
    ok = hmac.compare_digest(expected, given.strip().lower().encode("ascii", "replace").decode())
    return ok, "bad signature"


def tracking_webhook_receive(
    source: str, *, body: bytes, headers: Mapping[str, str]
) -> TrackingReceived:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes", field="body")
    ok, why = _signature_ok(source, body, headers)
    if not ok:
        logger.warning("tracking webhook refused: source=%s reason=%s", source, why)
        header = (
            AFTERSHIP_SIGNATURE_HEADER
            if source == TrackingSource.AFTERSHIP
            else SEVENTEEN_TRACK_SIGNATURE_HEADER
        )
        raise Unauthorized(f"the {header} signature does not match", field=header)
    digest = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            delivery = TrackingDelivery.objects.create(
                source=source, body_sha256=digest, body=body, received_at=timezone.now()
            )
    except IntegrityError:
        delivery = TrackingDelivery.objects.get(source=source, body_sha256=digest)
        if delivery.state == TrackingDeliveryState.RECEIVED:
            _enqueue(delivery)  # its task may have been lost: processing twice is harmless
        return TrackingReceived(delivery, duplicate=True)
    try:
        checkpoints_of(source, body)
    except ValidationError as error:
        reason = f"{error.field}: {error.message}" if error.field else error.message
        _mark(delivery, TrackingDeliveryState.FAILED, reason)
        logger.warning(
            "tracking webhook malformed: source=%s delivery=%s reason=%s",
            source,
            delivery.pk,
            reason,
        )
        raise MalformedPayload(
            f"the {source} body cannot be read: {error.message}", field=error.field
        ) from error
    _enqueue(delivery)
    return TrackingReceived(delivery, duplicate=False)


def _enqueue(delivery: TrackingDelivery) -> None:
    from afterdesk.parcels.tasks import tracking_delivery_task  # the task imports the services

    enqueue_on_commit(tracking_delivery_task, delivery_id=delivery.pk)


def _mark(delivery: TrackingDelivery, state: str, reason: str) -> None:
    TrackingDelivery.objects.filter(pk=delivery.pk).update(state=state, reason=reason[:2000])
    delivery.state, delivery.reason = state, reason


def tracking_delivery_process(delivery_id: int) -> str:
    """The background task's work: write a stored delivery's checkpoints once, in one
    transaction; its state afterwards. Run twice, or after it was applied, it changes
    nothing. An error (a parcel the desk does not know, the database refusing) marks it
    failed with the reason."""
    try:
        with transaction.atomic():
            locked = TrackingDelivery.objects.select_for_update().filter(pk=delivery_id).first()
            if locked is None:
                return "no such delivery"
            if locked.state != TrackingDeliveryState.RECEIVED:
                return str(locked.state)  # applied before: nothing changes
            checkpoints = checkpoints_of(locked.source, bytes(locked.body))
            locked.events_written = checkpoints_record(checkpoints)
            locked.state = TrackingDeliveryState.PROCESSED
            if not checkpoints:
                locked.state = TrackingDeliveryState.IGNORED
                locked.reason = "no checkpoint in the body"
            locked.save(update_fields=["events_written", "state", "reason"])
            return str(locked.state)
    except ValidationError as error:
        reason = f"{error.field}: {error.message}" if error.field else error.message
        logger.warning("tracking webhook failed: delivery=%s reason=%s", delivery_id, reason)
    except Exception as error:  # any error is the delivery's: shown, and retried by an admin
        reason = f"{type(error).__name__}: {error}"
        logger.exception("tracking webhook failed: delivery=%s", delivery_id)
    TrackingDelivery.objects.filter(pk=delivery_id).update(
        state=TrackingDeliveryState.FAILED, reason=reason[:2000]
    )
    return str(TrackingDeliveryState.FAILED)


PENDING_AFTER = timedelta(minutes=2)


def tracking_deliveries_process_pending(*, now: datetime | None = None) -> list[int]:
    """Deliveries still `received` a while after they arrived (a lost task, a worker that
    died mid-way): processed now. Their ids."""
    cutoff = (now or timezone.now()) - PENDING_AFTER
    pending = list(
        TrackingDelivery.objects.filter(
            state=TrackingDeliveryState.RECEIVED, received_at__lte=cutoff
        )
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:500]
    )
    for delivery_id in pending:
        tracking_delivery_process(delivery_id)
    return pending


def tracking_deliveries_retry(delivery_ids: list[int]) -> int:
    """An admin's retry of failed deliveries: back to `received` and queued (only those still
    failed, so two retries at once queue each once). How many were queued."""
    queued = 0
    for delivery in TrackingDelivery.objects.filter(
        pk__in=delivery_ids, state=TrackingDeliveryState.FAILED
    ):
        reset = TrackingDelivery.objects.filter(
            pk=delivery.pk, state=TrackingDeliveryState.FAILED
        ).update(state=TrackingDeliveryState.RECEIVED, reason="")
        if reset:
            _enqueue(delivery)
            queued += 1
    return queued


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"the body is not UTF-8 JSON: {error}", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    return data


def _object(data: Any, field: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError(f"{field} must be an object", field=field)
    return data


def _list(data: Any, field: str) -> list[Any]:
    if data is None:
        return []
    if not isinstance(data, list):
        raise ValidationError(f"{field} must be a list", field=field)
    return data


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None or isinstance(value, (dict, list)) else str(value)


def _instant(value: Any, field: str) -> Any:
    try:
        return instant_of(value)
    except ValueError as error:
        raise ValidationError(
            f"{field} must be an ISO 8601 instant with a zone", field=field
        ) from error


def checkpoints_of(source: str, body: bytes) -> list[Checkpoint]:
    data = _json_object(body)
    if source == TrackingSource.AFTERSHIP:
        return _aftership_checkpoints(data)
    return _seventeen_track_checkpoints(data)


def _aftership_checkpoints(data: dict[str, Any]) -> list[Checkpoint]:
    """`{"event": "tracking_update", "msg": {"tracking_number", "slug", "tag",
    "checkpoints": [{"checkpoint_time", "tag", "subtag", "message", "location"}]}}`; other
    events (edd_revise, tracking_pending_time) carry no checkpoint to keep."""
    if data.get("event") not in (None, "tracking_update"):
        return []
    msg = _object(data.get("msg"), "msg")
    number = _text(msg, "tracking_number").strip()
    if not number:
        raise ValidationError("msg.tracking_number is required", field="msg.tracking_number")
    carrier = _text(msg, "slug")
    found = []
    for index, raw in enumerate(_list(msg.get("checkpoints"), "msg.checkpoints")):
        point = _object(raw, f"msg.checkpoints[{index}]")
        tag = _text(point, "tag")
        if tag not in AFTERSHIP_TAGS:
            raise ValidationError(f"unknown tag {tag!r}", field=f"msg.checkpoints[{index}].tag")
        status = AFTERSHIP_TAGS[tag]
        subtag = _text(point, "subtag")
        if status == TrackingStatus.EXCEPTION and is_return(subtag + " " + _text(point, "message")):
            status = TrackingStatus.RETURNED_TO_SENDER
        location = _text(point, "location") or ", ".join(
            part for part in (_text(point, "city"), _text(point, "country_iso3")) if part
        )
        found.append(
            Checkpoint(
                tracking_number=number,
                carrier=carrier,
                at=_instant(
                    point.get("checkpoint_time"), f"msg.checkpoints[{index}].checkpoint_time"
                ),
                status=status,
                raw_status=f"{tag}/{subtag}" if subtag else tag,
                description=_text(point, "message"),
                location=location,
                source=TrackingSource.AFTERSHIP,
            )
        )
    return found


def _seventeen_track_checkpoints(data: dict[str, Any]) -> list[Checkpoint]:
    """`{"event": "TRACKING_UPDATED", "data": {"number", "carrier", "track_info":
    {"latest_status": {"status", "sub_status"}, "tracking": {"providers": [{"events":
    [{"time_iso", "description", "location", "stage", "sub_status"}]}]}}}}`; TRACKING_STOPPED
    carries none."""
    if data.get("event") != "TRACKING_UPDATED":
        if data.get("event") == "TRACKING_STOPPED":
            return []
        raise ValidationError("event must be TRACKING_UPDATED or TRACKING_STOPPED", field="event")
    body = _object(data.get("data"), "data")
    number = _text(body, "number").strip()
    if not number:
        raise ValidationError("data.number is required", field="data.number")
    carrier = _text(body, "carrier")
    info = _object(body.get("track_info") or {}, "data.track_info")
    tracking = _object(info.get("tracking") or {}, "data.track_info.tracking")
    found = []
    for p_index, raw_provider in enumerate(_list(tracking.get("providers"), "providers")):
        provider = _object(raw_provider, f"providers[{p_index}]")
        for index, raw in enumerate(_list(provider.get("events"), f"providers[{p_index}].events")):
            field = f"providers[{p_index}].events[{index}]"
            point = _object(raw, field)
            sub_status = _text(point, "sub_status")
            stage = _text(point, "stage") or sub_status.split("_")[0]
            if stage not in SEVENTEEN_TRACK_STATUSES:
                raise ValidationError(f"unknown status {stage!r}", field=f"{field}.sub_status")
            status = SEVENTEEN_TRACK_STATUSES[stage]
            if status == TrackingStatus.EXCEPTION and is_return(sub_status):
                status = TrackingStatus.RETURNED_TO_SENDER
            at_value = point.get("time_iso") or point.get("time_utc")
            found.append(
                Checkpoint(
                    tracking_number=number,
                    carrier=carrier,
                    at=_instant(at_value, f"{field}.time_iso"),
                    status=status,
                    raw_status=sub_status or stage,
                    description=_text(point, "description"),
                    location=_text(point, "location"),
                    source=TrackingSource.SEVENTEEN_TRACK,
                )
            )
    return found
