"""Background jobs of the parcels app (docs/stores.md, "Parcels and tracking"): each
tracking webhook delivery written right after it is stored, the deliveries left unapplied (a
lost task, a worker that died mid-way) every 5 minutes, and the stalled-parcel check every
hour. Safe to run twice or at once: a delivery is applied once, a stall is raised once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.parcels.services.stalls import stalls_check
from afterdesk.parcels.services.webhooks import (
    tracking_deliveries_process_pending,
    tracking_delivery_process,
)


@db_task()
def tracking_delivery_task(delivery_id: int) -> str:
    return tracking_delivery_process(delivery_id)


@db_periodic_task(crontab(minute="*/5"))
def tracking_deliveries_pending_periodic() -> int:
    try:
        with lock_task("parcels-tracking-pending"):
            return len(tracking_deliveries_process_pending())
    except TaskLockedException:
        return 0


@db_periodic_task(crontab(minute="7"))
def parcels_stalls_periodic() -> int:
    try:
        with lock_task("parcels-stalls"):
            return len(stalls_check())
    except TaskLockedException:
        return 0
