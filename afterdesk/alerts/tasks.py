"""Background jobs of the alerts app: the sweep every 15 minutes, then the email after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from afterdesk.core.tasks import enqueue_on_commit

from .models import AlertSettings
from .services import alerts_notify, alerts_sweep


@db_task(retries=5, retry_delay=120)
def alerts_notify_task() -> int:
    """Mail every alert not mailed yet (safe to run twice: notified_at is stamped)."""
    return len(alerts_notify())


# A sweep that fails (on SQLite: the write lock held past the busy timeout by another process,
# e.g. a history import) is tried again a minute later, up to 10 times, rather than waiting
# 15 minutes for the next one; sweeping twice is harmless (docs/alerts.md, dedupe keys).
SWEEP_RETRIES = 10
SWEEP_RETRY_DELAY = 60


@db_periodic_task(crontab(minute="*/15"), retries=SWEEP_RETRIES, retry_delay=SWEEP_RETRY_DELAY)
def alerts_sweep_periodic() -> int:
    with transaction.atomic():
        created = alerts_sweep(now=timezone.now(), config=AlertSettings.load())
        # Always: a batch whose mail failed earlier goes out with the next run.
        enqueue_on_commit(alerts_notify_task)
    return len(created)
