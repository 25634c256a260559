"""The surveys' periodic job (docs/surveys.md, "When a survey is sent"): every five minutes,
schedule the new solves' surveys, cancel the reopened tickets' ones, send the due ones and
forget old rate-limit windows. Safe to run twice, or twice at once.

A durable run (docs/deploy.md, "Durable tasks"): a consumer killed mid-way leaves the run
unfinished and the next consumer's start runs it again; a survey sent before the kill is not
sent again (each is claimed, then marked sent)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task, on_startup
from huey.exceptions import TaskLockedException

from afterdesk.core.durable import durable_call, durable_task
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


SURVEYS_LOCK = "surveys-run"


@durable_task(atomic=False)
def surveys_job() -> int:
    # One run at a time (a slow SMTP server must not pile up runs); the sends are claimed
    # row by row anyway, so a second run at once would send nothing twice.
    try:
        with lock_task(SURVEYS_LOCK):
            return len(surveys_run()) - 1
    except TaskLockedException:
        return 0


@db_periodic_task(crontab(minute="*/5"))
def surveys_periodic() -> int:
    return int(durable_call(surveys_job))


@on_startup()
def surveys_lock_flush() -> None:
    """A consumer killed inside the run left its lock behind (the SQLite queue's locks do not
    expire): a starting consumer clears it."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush_locks(SURVEYS_LOCK)
