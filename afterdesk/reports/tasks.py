"""Background jobs of the reports app: every minute, the stale stored figures of the weekly
reviews viewed lately computed again, so the next viewer finds them current
(`reports.warm`; docs/reports.md, "Stored figures"). Safe to run twice or concurrently: each
figure is stored with the versions it was computed at, and a request still computes whatever
is stale; the lock only spares the worker a second computation of the same figures."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task, on_startup
from huey.exceptions import TaskLockedException

from afterdesk.reports.warm import reviews_warm

LOCK = "reports-reviews-warm"


@db_periodic_task(crontab(minute="*"))
def reviews_warm_periodic() -> int:
    try:
        with lock_task(LOCK):
            return len(reviews_warm())
    except TaskLockedException:  # the previous minute's run is still computing
        return 0


@on_startup()
def reviews_warm_lock_flush() -> None:
    """A worker killed mid-run left the lock behind (the SQLite queue's locks do not expire):
    a starting worker clears it, or the refresher would never run again. Clearing a live
    run's lock (another worker on Redis) at worst lets two runs store the same figures."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush_locks(LOCK)
