"""The trackers' documented formats read field by field (tests/parcels/payloads.py): AfterShip's
checkpoint times in each documented form and its return subtags; 17TRACK's sub-statuses, key
stages, events that carry neither, and the events it sends that carry no checkpoint."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

import pytest
from django.test import Client

from afterdesk.commerce.models import TrackingStatus
from afterdesk.core.errors import ValidationError
from afterdesk.parcels.models import TrackingDelivery, TrackingDeliveryState
from afterdesk.parcels.services.webhooks import checkpoints_of
from tests.factories import ShipmentFactory
from tests.parcels.payloads import (
    aftership_body,
    aftership_checkpoint,
    seventeen_body,
    seventeen_event,
)
from tests.parcels.test_webhooks import aftership_post, seventeen_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secrets(settings: Any) -> None:
    settings.AFTERSHIP_WEBHOOK_SECRET = "aftership-secret"
    settings.SEVENTEEN_TRACK_WEBHOOK_KEY = "17track-key"


@pytest.mark.parametrize(
    ("checkpoint_time", "instant"),
    [
        ("2026-11-02T09:10:00+01:00", "2026-11-02T08:10:00+00:00"),
        ("2026-11-02T09:10:00", "2026-11-02T09:10:00+00:00"),  # no offset: read as UTC
        ("2026-11-02", "2026-11-02T00:00:00+00:00"),  # a date alone
        ("", "2026-11-03T07:05:12+00:00"),  # empty: when AfterShip recorded it
    ],
)
def test_aftership_checkpoint_time_in_each_documented_form(
    checkpoint_time: str, instant: str
) -> None:
    point = aftership_checkpoint(checkpoint_time, "InTransit", "InTransit_002", "Arrival scan")
    (found,) = checkpoints_of("aftership", aftership_body("JD1", [point]))
    assert found.at.astimezone(UTC).isoformat() == instant
    assert (found.status, found.raw_status) == (
        TrackingStatus.IN_TRANSIT,
        "InTransit/InTransit_002",
    )


@pytest.mark.parametrize(
    ("subtag", "status"),
    [
        ("Exception_010", TrackingStatus.RETURNED_TO_SENDER),  # returning to sender
        ("Exception_011", TrackingStatus.RETURNED_TO_SENDER),  # returned to sender
        ("Exception_004", TrackingStatus.EXCEPTION),  # delayed at customs: not a return
        ("Exception_009", TrackingStatus.EXCEPTION),
    ],
)
def test_aftership_return_subtags(subtag: str, status: TrackingStatus) -> None:
    point = aftership_checkpoint("2026-11-05T10:00:00+01:00", "Exception", subtag, "Exception")
    (found,) = checkpoints_of("aftership", aftership_body("JD1", [point], tag="Exception"))
    assert found.status == status


def test_aftership_events_without_checkpoints_are_kept_and_ignored(client: Client) -> None:
    body = json.dumps(
        {
            "event": "edd_revise",
            "event_id": "5a1c6d2e-8a63-4a6b-8e0b-3a2f7f1c9d10",
            "ts": 1767000000,
            "msg": {"tracking_number": "JD1", "slug": "dhl"},
        }
    ).encode()
    assert aftership_post(client, body, secret="aftership-secret").status_code == 200
    delivery = TrackingDelivery.objects.get()
    assert (delivery.state, delivery.reason) == (
        TrackingDeliveryState.IGNORED,
        "no checkpoint in the body",
    )


def test_17track_events_with_neither_stage_nor_sub_status() -> None:
    """Older pushes name only the milestones: a scan between two keeps the status before it,
    the newest event takes the parcel's latest status."""
    events = [
        seventeen_event(
            "2026-11-07T16:35:22-07:00",
            "2026-11-07T23:35:22Z",
            "DELIVERED",
            stage=None,
            sub_status=None,
            location="GASQUET, CA, US",
        ),
        seventeen_event(
            "2026-11-05T02:15:00-07:00",
            "2026-11-05T09:15:00Z",
            "Arrived at Facility",
            stage=None,
            sub_status=None,
        ),
        seventeen_event(
            "2026-11-04T16:36:47-07:00",
            "2026-11-04T23:36:47Z",
            "Origin Scan",
            stage="PickedUp",
            sub_status=None,
        ),
        seventeen_event(
            "2026-11-03T22:43:08-07:00",
            "2026-11-04T05:43:08Z",
            "Label created",
            stage="InfoReceived",
            sub_status=None,
        ),
    ]
    found = checkpoints_of(
        "17track", seventeen_body("1Z2617V1", events, "Delivered", "Delivered_Other")
    )
    assert [(c.status, c.raw_status) for c in found] == [
        (TrackingStatus.INFO_RECEIVED, "InfoReceived"),
        (TrackingStatus.IN_TRANSIT, "PickedUp"),
        (TrackingStatus.IN_TRANSIT, ""),  # not stated: the status before it
        (TrackingStatus.DELIVERED, ""),  # the newest: the parcel's latest status
    ]
    assert found[-1].at.isoformat() == "2026-11-07T16:35:22-07:00"
    assert found[-1].carrier == "190271"


def test_17track_time_utc_when_time_iso_is_null() -> None:
    event = seventeen_event(
        "2026-11-05T10:00:00+08:00",
        "2026-11-05T02:00:00Z",
        "In transit",
        stage=None,
        sub_status="InTransit_Other",
    )
    event["time_iso"] = None
    (found,) = checkpoints_of("17track", seventeen_body("RR1", [event]))
    assert found.at.isoformat() == "2026-11-05T02:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sub_status": "Teleported_Other"}, "providers[0].events[0].sub_status"),
        ({"sub_status": None, "stage": "Teleported"}, "providers[0].events[0].stage"),
        ({"time_iso": None, "time_utc": None}, "providers[0].events[0].time_iso"),
        ({"time_iso": "2026-11-05T10:00:00", "time_utc": None}, "providers[0].events[0].time_iso"),
    ],
)
def test_17track_unreadable_events(changes: dict[str, Any], field: str) -> None:
    event = seventeen_event(
        "2026-11-05T10:00:00+08:00",
        "2026-11-05T02:00:00Z",
        "In transit",
        stage=None,
        sub_status="InTransit_Other",
    )
    event.update(changes)
    with pytest.raises(ValidationError) as raised:
        checkpoints_of("17track", seventeen_body("RR1", [event]))
    assert raised.value.field == field


def test_17track_tracking_stopped_is_kept_and_ignored(client: Client) -> None:
    ShipmentFactory(tracking_number="RR1")
    body = json.dumps(
        {
            "event": "TRACKING_STOPPED",
            "data": {"number": "RR1", "carrier": 190271, "param": None, "tag": None},
        }
    ).encode()
    assert seventeen_post(client, body, key="17track-key").status_code == 200
    assert TrackingDelivery.objects.get().state == TrackingDeliveryState.IGNORED
