"""AfterShip and 17TRACK tracking webhooks through local HTTP requests (Django's test
client): valid and invalid signatures, replays, malformed bodies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from afterdesk.commerce.models import Shipment, TrackingEvent, TrackingStatus
from afterdesk.parcels.models import TrackerSecret, TrackingDelivery, TrackingDeliveryState
from tests.factories import ShipmentFactory, UserFactory
from tests.parcels.payloads import (
    aftership_body,
    aftership_checkpoint,
    seventeen_body,
    seventeen_event,
)

pytestmark = pytest.mark.django_db

AFTERSHIP_SECRET = "aftership-secret"
SEVENTEEN_KEY = "17track-key"


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.AFTERSHIP_WEBHOOK_SECRET = AFTERSHIP_SECRET
    settings.SEVENTEEN_TRACK_WEBHOOK_KEY = SEVENTEEN_KEY


def aftership_post(client: Client, body: bytes, secret: str = AFTERSHIP_SECRET) -> Any:
    """The answer comes first; the delivery's task (huey, immediate in the tests) runs once
    the request's transaction commits, as in the running app."""
    sign = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/webhooks/tracking/aftership",
            body,
            content_type="application/json",
            headers={"aftership-hmac-sha256": sign},
        )


def seventeen_post(client: Client, body: bytes, key: str = SEVENTEEN_KEY) -> Any:
    sign = hashlib.sha256(body + b"/" + key.encode()).hexdigest()
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/webhooks/tracking/17track",
            body,
            content_type="application/json",
            headers={"sign": sign},
        )


CHECKPOINTS = [
    aftership_checkpoint(
        "2026-11-02T09:10:00+01:00",
        "InfoReceived",
        "InfoReceived_001",
        "Shipment information received",
        city="Leipzig",
        location="Leipzig, DE",
    ),
    aftership_checkpoint(
        "2026-11-03T07:00:00+01:00", "OutForDelivery", "OutForDelivery_001", "Out for delivery"
    ),
]


def test_aftership_valid_signature_writes_normalised_events(client: Client) -> None:
    shipment = ShipmentFactory(tracking_number="JD014600001", stalled=True)
    response = aftership_post(client, aftership_body("jd014600001", CHECKPOINTS))
    assert response.status_code == 200, response.content
    assert TrackingDelivery.objects.get().events_written == 2
    events = list(shipment.events.order_by("at"))
    assert [e.tracking_status for e in events] == ["info_received", "out_for_delivery"]
    assert events[1].raw_status == "OutForDelivery/OutForDelivery_001"
    assert events[1].source == "aftership"
    assert events[1].location == "Berlin, DE"
    shipment.refresh_from_db()
    assert shipment.tracking_status == TrackingStatus.OUT_FOR_DELIVERY
    assert shipment.status == Shipment.Status.OUT_FOR_DELIVERY
    assert shipment.stalled is False  # a tracking event ends a stall


def test_aftership_bad_signature_is_401_logged_and_stores_nothing(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    ShipmentFactory(tracking_number="JD014600002")
    with caplog.at_level(logging.WARNING, logger="afterdesk.parcels"):
        response = aftership_post(client, aftership_body("JD014600002", CHECKPOINTS), "wrong")
    assert response.status_code == 401
    assert response.json()["field"] == "aftership-hmac-sha256"
    assert "tracking webhook refused" in caplog.text
    assert "bad signature" in caplog.text
    unsigned = client.post(
        "/webhooks/tracking/aftership",
        aftership_body("JD014600002", CHECKPOINTS),
        content_type="application/json",
    )
    assert unsigned.status_code == 401
    assert TrackingDelivery.objects.count() == 0
    assert TrackingEvent.objects.count() == 0


def test_aftership_replay_is_stored_and_applied_once(client: Client) -> None:
    ShipmentFactory(tracking_number="JD014600003")
    body = aftership_body("JD014600003", CHECKPOINTS)
    first, again = aftership_post(client, body), aftership_post(client, body)
    assert first.status_code == again.status_code == 200
    assert again.json()["duplicate"] is True
    assert TrackingDelivery.objects.count() == 1
    assert TrackingEvent.objects.count() == 2


def test_the_same_checkpoint_in_a_later_body_is_kept_once(client: Client) -> None:
    ShipmentFactory(tracking_number="JD014600004")
    aftership_post(client, aftership_body("JD014600004", CHECKPOINTS[:1]))
    aftership_post(client, aftership_body("JD014600004", CHECKPOINTS))
    assert TrackingDelivery.objects.order_by("id").last().events_written == 1  # type: ignore[union-attr]
    assert TrackingEvent.objects.count() == 2


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        json.dumps({"event": "tracking_update", "msg": {"checkpoints": []}}).encode(),
        aftership_body("JD014600005", [{**CHECKPOINTS[0], "checkpoint_time": "2026-13-45"}]),
        aftership_body("JD014600005", [{**CHECKPOINTS[0], "checkpoint_time": "yesterday"}]),
        aftership_body("JD014600005", [{**CHECKPOINTS[0], "tag": "Teleported"}]),
    ],
)
def test_aftership_malformed_is_kept_raw_and_answered_400(
    client: Client, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    ShipmentFactory(tracking_number="JD014600005")
    with caplog.at_level(logging.WARNING, logger="afterdesk.parcels"):
        response = aftership_post(client, body)
    assert response.status_code == 400
    assert response.json()["message"]
    delivery = TrackingDelivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.state == TrackingDeliveryState.FAILED
    assert "tracking webhook malformed" in caplog.text
    assert TrackingEvent.objects.count() == 0  # nothing half-written
    assert aftership_post(client, body).status_code == 200  # a replay: already kept
    assert TrackingDelivery.objects.count() == 1


def test_17track_valid_signature_maps_statuses(client: Client) -> None:
    shipment = ShipmentFactory(tracking_number="RR123456789CN")
    events = [  # newest first, as 17TRACK lists them
        seventeen_event(
            "2026-11-09T09:00:00+08:00",
            "2026-11-09T01:00:00Z",
            "Returned to the sender",
            stage="Returned",
            sub_status="Exception_Returned",
        ),
        seventeen_event(
            "2026-11-07T16:35:22+01:00",
            "2026-11-07T15:35:22Z",
            "Delivery failed: addressee absent",
            stage=None,
            sub_status="DeliveryFailure_NoBody",
            location="Berlin, DE",
        ),
        seventeen_event(
            "2026-11-05T02:15:00+08:00",
            "2026-11-04T18:15:00Z",
            "Arrived at the sorting centre",
            stage=None,
            sub_status="InTransit_Other",
        ),
        seventeen_event(
            "2026-11-04T10:00:00+08:00",
            "2026-11-04T02:00:00Z",
            "Picked up by the carrier",
            stage="PickedUp",
            sub_status="InTransit_PickedUp",
        ),
        seventeen_event(
            "2026-11-03T22:43:08+08:00",
            "2026-11-03T14:43:08Z",
            "Shipment information received",
            stage="InfoReceived",
            sub_status="InfoReceived",
        ),
    ]
    body = seventeen_body("RR123456789CN", events, "Exception", "Exception_Returned")
    response = seventeen_post(client, body)
    assert response.status_code == 200, response.content
    found = list(shipment.events.order_by("at"))
    assert [e.tracking_status for e in found] == [
        "info_received",
        "in_transit",
        "in_transit",
        "failed_attempt",
        "returned_to_sender",
    ]
    assert [e.raw_status for e in found][-2:] == ["DeliveryFailure_NoBody", "Exception_Returned"]
    assert found[3].at.isoformat() == "2026-11-07T15:35:22+00:00"
    assert (found[3].location, found[3].source) == ("Berlin, DE", "17track")
    shipment.refresh_from_db()
    assert shipment.tracking_status == TrackingStatus.RETURNED_TO_SENDER
    assert shipment.status == Shipment.Status.RETURNED


def test_17track_bad_sign_is_401_and_replay_once(client: Client) -> None:
    ShipmentFactory(tracking_number="RR000000001CN")
    events = [
        seventeen_event(
            "2026-11-05T10:00:00+08:00",
            "2026-11-05T02:00:00Z",
            "In transit",
            stage=None,
            sub_status="InTransit_Other",
        )
    ]
    body = seventeen_body("RR000000001CN", events)
    assert seventeen_post(client, body, key="other").status_code == 401
    assert TrackingDelivery.objects.count() == 0
    assert seventeen_post(client, body).status_code == 200
    assert seventeen_post(client, body).json()["duplicate"] is True
    assert TrackingEvent.objects.count() == 1


def test_17track_malformed_event_is_400(client: Client) -> None:
    body = json.dumps({"event": "SOMETHING", "data": {}}).encode()
    response = seventeen_post(client, body)
    assert response.status_code == 400
    assert response.json()["field"] == "event"
    assert TrackingDelivery.objects.get().state == TrackingDeliveryState.FAILED


def test_no_configured_secret_refuses_everything(client: Client, settings: Any) -> None:
    settings.AFTERSHIP_WEBHOOK_SECRET = ""
    body = aftership_body("JD014600006", CHECKPOINTS)
    assert aftership_post(client, body, secret="").status_code == 401


def test_a_secret_typed_in_the_admin_is_stored_encrypted_and_used(
    client: Client, settings: Any
) -> None:
    settings.AFTERSHIP_WEBHOOK_SECRET = ""
    ShipmentFactory(tracking_number="JD014600007")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    added = client.post(
        "/admin/parcels/trackersecret/add/", {"source": "aftership", "secret": "typed-secret"}
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    stored = TrackerSecret.objects.get(source="aftership")
    assert "typed-secret" not in stored.secret_encrypted
    assert stored.secret == "typed-secret"
    body = aftership_body("JD014600007", CHECKPOINTS)
    assert aftership_post(client, body, secret=AFTERSHIP_SECRET).status_code == 401
    assert aftership_post(client, body, secret="typed-secret").status_code == 200
    settings.AFTERSHIP_WEBHOOK_SECRET = AFTERSHIP_SECRET  # the environment comes first
    other = aftership_body("JD014600007", CHECKPOINTS[:1])
    assert aftership_post(client, other, secret="typed-secret").status_code == 401


class WorkerKilled(BaseException):
    """Stands for the worker process dying mid-way (no `except Exception` catches it)."""


def test_a_crash_while_applying_keeps_the_body_and_the_retry_applies_it(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from afterdesk.parcels.services import webhooks
    from afterdesk.parcels.tasks import tracking_deliveries_pending_periodic

    ShipmentFactory(tracking_number="JD014600008")
    body = aftership_body("JD014600008", CHECKPOINTS)
    real = webhooks.checkpoints_record

    def killed(checkpoints: Any) -> int:
        real(checkpoints)  # written, then the worker dies before the commit
        raise WorkerKilled

    monkeypatch.setattr(webhooks, "checkpoints_record", killed)
    with pytest.raises(WorkerKilled):
        aftership_post(client, body)
    kept = TrackingDelivery.objects.get()
    assert bytes(kept.body) == body
    assert kept.state == TrackingDeliveryState.RECEIVED
    assert TrackingEvent.objects.count() == 0  # rolled back whole
    monkeypatch.setattr(webhooks, "checkpoints_record", real)
    assert tracking_deliveries_pending_periodic.call_local() == 0  # too recent yet
    TrackingDelivery.objects.update(received_at=timezone.now() - timedelta(minutes=3))
    assert tracking_deliveries_pending_periodic.call_local() == 1
    assert TrackingDelivery.objects.get().state == TrackingDeliveryState.PROCESSED
    assert TrackingEvent.objects.count() == 2
    # Processed twice changes nothing.
    assert webhooks.tracking_delivery_process(kept.pk) == TrackingDeliveryState.PROCESSED
    assert TrackingEvent.objects.count() == 2


def test_a_parcel_not_known_yet_fails_visibly_and_an_admin_retries_it(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    body = aftership_body("JD014600009", CHECKPOINTS)
    with caplog.at_level(logging.WARNING, logger="afterdesk.parcels"):
        response = aftership_post(client, body)
    assert response.status_code == 200  # stored: the tracker need not resend it
    delivery = TrackingDelivery.objects.get()
    assert delivery.state == TrackingDeliveryState.FAILED
    assert "no parcel with tracking number 'JD014600009'" in delivery.reason
    assert "tracking webhook failed" in caplog.text
    assert TrackingEvent.objects.count() == 0

    ShipmentFactory(tracking_number="JD014600009")  # the store sync brings the parcel
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listed = client.get("/admin/parcels/trackingdelivery/?state__exact=failed")
    assert "no parcel with tracking number" in listed.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        retried = client.post(
            "/admin/parcels/trackingdelivery/",
            {"action": "retry", "_selected_action": [delivery.pk]},
        )
    assert retried.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.reason) == (TrackingDeliveryState.PROCESSED, "")
    assert TrackingEvent.objects.count() == 2
