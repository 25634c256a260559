"""Background jobs of the reports app: every minute, the stale stored figures of the weekly
reviews viewed lately computed again, so the next viewer finds them current
(`reports.warm`; docs/reports.md, "Stored figures"). Safe to run twice or concurrently: each
figure is stored with the versions it was computed at, and a request still computes whatever
is stale; the lock only spares the worker a second computation of the same figures."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.reports.warm import reviews_warm


@db_periodic_task(crontab(minute="*"))
def reviews_warm_periodic() -> int:
    try:
        with lock_task("reports-reviews-warm"):
            return len(reviews_warm())
    except TaskLockedException:  # the previous minute's run is still computing
        return 0
