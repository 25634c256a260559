"""Who hears of a parcel stall (docs/stores.md, "Parcels and tracking"). The parcels app sits
below the tickets (pyproject.toml, the layers contract), so it cannot write ticket events
itself; an app above it (the coming automation app) subscribes here. Consumers run after the
stall's transaction commits, once per stall."""

from __future__ import annotations

import logging
from collections.abc import Callable

from afterdesk.parcels.models import ParcelStall

logger = logging.getLogger(__name__)

StallConsumer = Callable[[ParcelStall], None]

_stall_consumers: list[StallConsumer] = []


def stall_subscribe(consumer: StallConsumer) -> StallConsumer:
    """Register `consumer` (usable as a decorator); registering twice keeps one."""
    if consumer not in _stall_consumers:
        _stall_consumers.append(consumer)
    return consumer


def stall_unsubscribe(consumer: StallConsumer) -> None:
    if consumer in _stall_consumers:
        _stall_consumers.remove(consumer)


def stall_publish(stall: ParcelStall) -> None:
    """Tell every consumer; one that fails is logged and does not stop the others (the stall
    stays recorded and can be read back as a `ParcelStall`)."""
    for consumer in list(_stall_consumers):
        try:
            consumer(stall)
        except Exception:
            logger.exception("parcel stall consumer %r failed for stall %s", consumer, stall.pk)
