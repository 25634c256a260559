"""The QA's periodic work (docs/qa.md, "Sampling"): every hour, sample each active
assignment's last complete cycle (a sampled cycle is left as it is) and make final the reviews
nobody disputed in time (each once, under its lock). Safe to run twice or at once."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.qa.sampling import sample_due
from afterdesk.qa.services import reviews_finalize_due


@db_periodic_task(crontab(minute="7"))
def qa_periodic() -> int:
    try:
        with lock_task("qa-periodic"):
            sampled = sum(sample_due().values())
            return sampled + reviews_finalize_due()
    except TaskLockedException:
        return 0
