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
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

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
from afterdesk.parcels.statuses import (
    AFTERSHIP_RETURN_SUBTAGS,
    AFTERSHIP_TAGS,
    SEVENTEEN_TRACK_RETURN_SUB_STATUSES,
    SEVENTEEN_TRACK_STAGES,
    SEVENTEEN_TRACK_STATUSES,
)
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


def _instant(value: Any, field: str) -> datetime:
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


def _aftership_time(point: dict[str, Any], field: str) -> datetime:
    """AfterShip's `checkpoint_time` is the carrier's local time: with its offset
    (`2026-11-02T09:10:00+01:00`), without one (`2026-11-02T09:10:00`) or a date alone
    (`2026-11-02`), or empty. Without an offset it is read as UTC (the zone is not sent; a few
    hours do not matter to days-long stall limits); empty, the checkpoint's `created_at` (when
    AfterShip recorded it, with its zone) stands in."""
    value = _text(point, "checkpoint_time").strip()
    if not value:
        return _instant(point.get("created_at"), f"{field}.created_at")
    try:
        parsed = parse_datetime(value)
        day = parse_date(value) if parsed is None and len(value) == 10 else None
    except ValueError:  # well formed, but no such day or hour
        parsed = day = None
    if day is not None:
        parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if parsed is None:
        raise ValidationError(
            f"{field}.checkpoint_time is not a date or time: {value[:40]!r}",
            field=f"{field}.checkpoint_time",
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _aftership_checkpoints(data: dict[str, Any]) -> list[Checkpoint]:
    """AfterShip's webhook (v4, `aftership-hmac-sha256`): `{"event": "tracking_update",
    "event_id", "ts", "msg": {"tracking_number", "slug", "tag", "subtag", "checkpoints":
    [{"checkpoint_time", "created_at", "tag", "subtag", "message", "location", "city",
    "country_iso3"}]}}`; other events (edd_revise, tracking_pending_time) carry no checkpoint
    to keep."""
    if data.get("event") not in (None, "tracking_update"):
        return []
    msg = _object(data.get("msg"), "msg")
    number = _text(msg, "tracking_number").strip()
    if not number:
        raise ValidationError("msg.tracking_number is required", field="msg.tracking_number")
    carrier = _text(msg, "slug")
    found = []
    for index, raw in enumerate(_list(msg.get("checkpoints"), "msg.checkpoints")):
        field = f"msg.checkpoints[{index}]"
        point = _object(raw, field)
        tag = _text(point, "tag")
        if tag not in AFTERSHIP_TAGS:
            raise ValidationError(f"unknown tag {tag!r}", field=f"{field}.tag")
        status = AFTERSHIP_TAGS[tag]
        subtag = _text(point, "subtag")
        if status == TrackingStatus.EXCEPTION and subtag in AFTERSHIP_RETURN_SUBTAGS:
            status = TrackingStatus.RETURNED_TO_SENDER
        location = _text(point, "location") or ", ".join(
            part for part in (_text(point, "city"), _text(point, "country_iso3")) if part
        )
        found.append(
            Checkpoint(
                tracking_number=number,
                carrier=carrier,
                at=_aftership_time(point, field),
                status=status,
                raw_status=f"{tag}/{subtag}" if subtag else tag,
                description=_text(point, "message"),
                location=location,
                source=TrackingSource.AFTERSHIP,
            )
        )
    return found


def _seventeen_status(main: str, sub_status: str, field: str) -> TrackingStatus:
    if main not in SEVENTEEN_TRACK_STATUSES:
        raise ValidationError(f"unknown status {main!r}", field=field)
    if sub_status in SEVENTEEN_TRACK_RETURN_SUB_STATUSES:
        return TrackingStatus.RETURNED_TO_SENDER
    return SEVENTEEN_TRACK_STATUSES[main]


def _seventeen_track_checkpoints(data: dict[str, Any]) -> list[Checkpoint]:
    """17TRACK's push (API v2.2, header `sign`): `{"event": "TRACKING_UPDATED", "data":
    {"number", "carrier", "track_info": {"latest_status": {"status", "sub_status"},
    "tracking": {"providers": [{"provider", "events": [{"time_iso", "time_utc",
    "description", "location", "stage", "sub_status"}]}]}}}}`; TRACKING_STOPPED carries none.

    An event's status is its `sub_status` (`InTransit_PickedUp`: the main status before the
    "_"), else its key `stage` (set on milestones only). One with neither: the newest event
    takes `latest_status` (the parcel's status after it); an older one keeps the status of
    the event before it (a carrier scan between two milestones), info received before any."""
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
    latest = _object(info.get("latest_status") or {}, "data.track_info.latest_status")
    tracking = _object(info.get("tracking") or {}, "data.track_info.tracking")
    read: list[tuple[datetime, str, TrackingStatus | None, dict[str, Any]]] = []
    for p_index, raw_provider in enumerate(_list(tracking.get("providers"), "providers")):
        provider = _object(raw_provider, f"providers[{p_index}]")
        for index, raw in enumerate(_list(provider.get("events"), f"providers[{p_index}].events")):
            field = f"providers[{p_index}].events[{index}]"
            point = _object(raw, field)
            sub_status = _text(point, "sub_status")
            stage = _text(point, "stage")
            status: TrackingStatus | None = None
            if sub_status:
                status = _seventeen_status(
                    sub_status.split("_")[0], sub_status, f"{field}.sub_status"
                )
            elif stage:
                if stage not in SEVENTEEN_TRACK_STAGES:
                    raise ValidationError(f"unknown stage {stage!r}", field=f"{field}.stage")
                status = SEVENTEEN_TRACK_STAGES[stage]
            at_value = point.get("time_iso") or point.get("time_utc")
            at = _instant(at_value, f"{field}.time_iso")
            read.append((at, sub_status or stage, status, point))
    newest = max((entry[0] for entry in read), default=None)
    found = []
    before = TrackingStatus.INFO_RECEIVED
    for at, raw_status, status, point in sorted(read, key=lambda entry: entry[0]):
        if status is None:
            latest_main = _text(latest, "status")
            if at == newest and latest_main:
                status = _seventeen_status(
                    latest_main,
                    _text(latest, "sub_status"),
                    "data.track_info.latest_status.status",
                )
            else:
                status = before
        before = status
        found.append(
            Checkpoint(
                tracking_number=number,
                carrier=carrier,
                at=at,
                status=status,
                raw_status=raw_status,
                description=_text(point, "description"),
                location=_text(point, "location"),
                source=TrackingSource.SEVENTEEN_TRACK,
            )
        )
    return found
