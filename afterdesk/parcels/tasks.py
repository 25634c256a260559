"""Background jobs of the parcels app: the stalled-parcel check every hour (docs/stores.md,
"Parcels and tracking"). Safe to run twice or at once: a stall is raised once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.parcels.services.stalls import stalls_check


@db_periodic_task(crontab(minute="7"))
def parcels_stalls_periodic() -> int:
    try:
        with lock_task("parcels-stalls"):
            return len(stalls_check())
    except TaskLockedException:
        return 0
