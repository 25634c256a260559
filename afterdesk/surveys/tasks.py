"""The surveys' periodic job (docs/surveys.md, "When a survey is sent"): every five minutes,
schedule the new solves' surveys, cancel the reopened tickets' ones, send the due ones and
forget old rate-limit windows. Safe to run twice, or twice at once."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.surveys.services.ratelimit import counters_prune
from afterdesk.surveys.services.scheduling import surveys_schedule
from afterdesk.surveys.services.sending import surveys_send_due


def surveys_run(now: datetime | None = None) -> list[str]:
    """One run: what it did, a line per survey scheduled, skipped, cancelled or sent."""
    now = now or timezone.now()
    result = surveys_schedule(now)
    lines = [
        f"scheduled {result.scheduled}, not sent {result.skipped}, cancelled {result.cancelled}"
    ]
    lines += surveys_send_due(now)
    counters_prune(now)
    return lines


@db_periodic_task(crontab(minute="*/5"))
def surveys_periodic() -> int:
    # One run at a time (a slow SMTP server must not pile up runs); the sends are claimed
    # row by row anyway, so a second run at once would send nothing twice.
    try:
        with lock_task("surveys-run"):
            return len(surveys_run()) - 1
    except TaskLockedException:
        return 0
