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

# 17TRACK's main statuses (API v2.2, `track_info.latest_status.status`, and the part of an
# event's `sub_status` before "_": `InTransit_PickedUp` is InTransit).
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

# 17TRACK's key stages (an event's `stage`, set on the milestones only, null on the others).
SEVENTEEN_TRACK_STAGES: dict[str, TrackingStatus] = {
    "InfoReceived": TrackingStatus.INFO_RECEIVED,
    "PickedUp": TrackingStatus.IN_TRANSIT,
    "Departure": TrackingStatus.IN_TRANSIT,
    "Arrival": TrackingStatus.IN_TRANSIT,
    "AvailableForPickup": TrackingStatus.OUT_FOR_DELIVERY,
    "OutForDelivery": TrackingStatus.OUT_FOR_DELIVERY,
    "Delivered": TrackingStatus.DELIVERED,
    "Returning": TrackingStatus.RETURNED_TO_SENDER,
    "Returned": TrackingStatus.RETURNED_TO_SENDER,
}

# A parcel going or gone back to its sender is an Exception with one of these sub-statuses:
# AfterShip's subtags "Returning to sender" and "Returned to sender" (Exception_004 is a
# customs delay, not a return), 17TRACK's sub-statuses.
AFTERSHIP_RETURN_SUBTAGS = frozenset({"Exception_010", "Exception_011"})
SEVENTEEN_TRACK_RETURN_SUB_STATUSES = frozenset({"Exception_Returning", "Exception_Returned"})

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
