"""The trackers' statuses mapped to ours (`commerce.TrackingStatus`)."""

from __future__ import annotations

from afterdesk.commerce.models import Shipment, TrackingStatus

# AfterShip's `tag` (Tracking API, "Delivery status"). Pending: no checkpoint from the carrier
# yet; AvailableForPickup: waiting at a pick-up point, still on its way to the buyer.
AFTERSHIP_TAGS: dict[str, TrackingStatus] = {
    "Pending": TrackingStatus.INFO_RECEIVED,
    "InfoReceived": TrackingStatus.INFO_RECEIVED,
    "InTransit": TrackingStatus.IN_TRANSIT,
    "OutForDelivery": TrackingStatus.OUT_FOR_DELIVERY,
    "AvailableForPickup": TrackingStatus.OUT_FOR_DELIVERY,
    "AttemptFail": TrackingStatus.FAILED_ATTEMPT,
    "Delivered": TrackingStatus.DELIVERED,
    "Exception": TrackingStatus.EXCEPTION,
    "Expired": TrackingStatus.EXPIRED,
}

# 17TRACK's main statuses (API v2.2, `track_info.latest_status.status` and each event's stage).
SEVENTEEN_TRACK_STATUSES: dict[str, TrackingStatus] = {
    "NotFound": TrackingStatus.INFO_RECEIVED,
    "InfoReceived": TrackingStatus.INFO_RECEIVED,
    "InTransit": TrackingStatus.IN_TRANSIT,
    "AvailableForPickup": TrackingStatus.OUT_FOR_DELIVERY,
    "OutForDelivery": TrackingStatus.OUT_FOR_DELIVERY,
    "DeliveryFailure": TrackingStatus.FAILED_ATTEMPT,
    "Delivered": TrackingStatus.DELIVERED,
    "Exception": TrackingStatus.EXCEPTION,
    "Expired": TrackingStatus.EXPIRED,
}

# A returned parcel is an Exception with a sub-status naming the return in both trackers.
RETURN_SUBSTATUS_MARKERS = ("Exception_011", "Exception_004", "Returned", "Returning")

# The shipment-level status (`Shipment.Status`, older and coarser) a tracking status implies.
SHIPMENT_STATUS_OF: dict[str, Shipment.Status] = {
    TrackingStatus.INFO_RECEIVED: Shipment.Status.LABEL_CREATED,
    TrackingStatus.IN_TRANSIT: Shipment.Status.IN_TRANSIT,
    TrackingStatus.OUT_FOR_DELIVERY: Shipment.Status.OUT_FOR_DELIVERY,
    TrackingStatus.DELIVERED: Shipment.Status.DELIVERED,
    TrackingStatus.FAILED_ATTEMPT: Shipment.Status.EXCEPTION,
    TrackingStatus.EXCEPTION: Shipment.Status.EXCEPTION,
    TrackingStatus.RETURNED_TO_SENDER: Shipment.Status.RETURNED,
    TrackingStatus.EXPIRED: Shipment.Status.EXCEPTION,
}


def is_return(sub_status: str) -> bool:
    return any(marker.lower() in sub_status.lower() for marker in RETURN_SUBSTATUS_MARKERS)
