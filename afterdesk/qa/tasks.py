"""The QA's periodic work (docs/qa.md, "Sampling"): every hour, sample each active
assignment's last complete cycle (a sampled cycle is left as it is) and make final the reviews
nobody disputed in time (each once, under its lock). Safe to run twice or at once; a run cut
short by a killed worker is simply done again the next hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task, on_startup
from huey.exceptions import TaskLockedException

from afterdesk.qa.sampling import sample_due
from afterdesk.qa.services import reviews_finalize_due

LOCK = "qa-periodic"


@db_periodic_task(crontab(minute="7"))
def qa_periodic() -> int:
    try:
        with lock_task(LOCK):
            sampled = sum(sample_due().values())
            return sampled + reviews_finalize_due()
    except TaskLockedException:
        return 0


@on_startup()
def qa_periodic_lock_flush() -> None:
    """A worker killed mid-run left the lock behind (the SQLite queue's locks do not expire):
    a starting worker clears it, or the job would never run again."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush_locks(LOCK)
