"""Tracking webhook bodies as the trackers post them, field for field as their documentation
shows (every field the desk does not read is there too, so a parser that trips over one
fails here):

- AfterShip, webhook version 4 (header `aftership-hmac-sha256`, base64 HMAC-SHA256 of the
  body): `event`, `event_id`, `is_tracking_first_tag`, `ts`, `msg` (the tracking, with its
  `checkpoints`).
- 17TRACK, API v2.2 push (header `sign`, hex SHA-256 of the body, "/" and the API key):
  `event`, `data.number`, `data.carrier` (a number), `data.track_info` with `latest_status`,
  `latest_event`, `milestone` and `tracking.providers[].events[]`, newest first.
"""

from __future__ import annotations

import json
from typing import Any


def aftership_checkpoint(
    at: str,
    tag: str,
    subtag: str,
    message: str,
    *,
    city: str = "Berlin",
    location: str | None = "Berlin, DE",
    created_at: str = "2026-11-03T07:05:12+00:00",
) -> dict[str, Any]:
    return {
        "slug": "dhl",
        "city": city,
        "created_at": created_at,
        "location": location,
        "country_name": "Germany",
        "message": message,
        "country_iso3": "DEU",
        "tag": tag,
        "subtag": subtag,
        "subtag_message": message,
        "checkpoint_time": at,
        "coordinates": [],
        "state": None,
        "zip": None,
        "raw_tag": "FPX_L_RPIF",
    }


def aftership_body(number: str, checkpoints: list[dict[str, Any]], tag: str = "InTransit") -> bytes:
    return json.dumps(
        {
            "event": "tracking_update",
            "event_id": "7d2a3a46-0f5b-4d5b-9ad4-3b3b7f2a0c11",
            "is_tracking_first_tag": False,
            "ts": 1767000000,
            "msg": {
                "id": "grhrexm6t3hiwkjwq37jd003",
                "tracking_number": number,
                "title": number,
                "note": None,
                "origin_country_iso3": "CHN",
                "destination_country_iso3": "DEU",
                "active": True,
                "order_id": "#1001",
                "order_date": "2026-11-01T08:52:54Z",
                "customer_name": None,
                "source": "api",
                "emails": [],
                "smses": [],
                "slug": "dhl",
                "tag": tag,
                "subtag": f"{tag}_001",
                "subtag_message": tag,
                "tracked_count": 4,
                "shipment_type": "Parcel",
                "signed_by": None,
                "expected_delivery": None,
                "checkpoints": checkpoints,
            },
        }
    ).encode()


def seventeen_event(
    time_iso: str,
    time_utc: str,
    description: str,
    *,
    stage: str | None,
    sub_status: str | None,
    location: str = "Shenzhen, CN",
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "time_iso": time_iso,
        "time_utc": time_utc,
        "time_raw": {"date": time_iso[:10], "time": time_iso[11:19], "timezone": None},
        "description": description,
        "description_translation": None,
        "location": location,
        "stage": stage,
        "address": {
            "country": "CN",
            "state": None,
            "city": "Shenzhen",
            "street": None,
            "postal_code": None,
            "coordinates": {"longitude": None, "latitude": None},
        },
    }
    if sub_status is not None:
        event["sub_status"] = sub_status
    return event


def seventeen_body(
    number: str,
    events: list[dict[str, Any]],
    status: str = "InTransit",
    sub_status: str | None = None,
) -> bytes:
    """`events` newest first, as 17TRACK lists them."""
    newest = events[0] if events else None
    return json.dumps(
        {
            "event": "TRACKING_UPDATED",
            "data": {
                "number": number,
                "carrier": 190271,
                "param": None,
                "tag": "#1001",
                "track_info": {
                    "shipping_info": {
                        "shipper_address": {"country": "CN", "state": None, "city": None},
                        "recipient_address": {"country": "DE", "state": None, "city": None},
                    },
                    "latest_status": {
                        "status": status,
                        "sub_status": sub_status or f"{status}_Other",
                        "sub_status_descr": None,
                    },
                    "latest_event": newest,
                    "time_metrics": {
                        "days_after_order": 5,
                        "days_of_transit": 4,
                        "days_of_transit_done": 4,
                        "days_after_last_update": 0,
                        "estimated_delivery_date": {"source": None, "from": None, "to": None},
                    },
                    "milestone": [
                        {"key_stage": "InfoReceived", "time_iso": None, "time_utc": None},
                        {"key_stage": "PickedUp", "time_iso": None, "time_utc": None},
                    ],
                    "misc_info": {"risk_factor": 0, "service_type": None, "weight_raw": None},
                    "tracking": {
                        "providers_hash": -595601716,
                        "providers": [
                            {
                                "provider": {
                                    "key": 190271,
                                    "name": "Cainiao",
                                    "alias": "Cainiao",
                                    "tel": None,
                                    "homepage": "https://global.cainiao.com/",
                                    "country": "CN",
                                },
                                "service_type": None,
                                "latest_sync_status": "Success",
                                "latest_sync_time": "2026-11-06T02:00:00Z",
                                "events_hash": -925320483,
                                "events": events,
                            }
                        ],
                    },
                },
            },
        }
    ).encode()
