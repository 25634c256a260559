"""Background work of training: the daily certification expiry reminders (docs/training.md,
"Expiry reminders")."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from afterdesk.training.services.reminders import expiry_reminders_send


@db_periodic_task(crontab(minute="20", hour="6"), retries=3, retry_delay=300)
def certification_reminders_periodic() -> int:
    """Daily. Safe to rerun or overlap: each award is reminded once per threshold (a unique
    row written with the notifications)."""
    return expiry_reminders_send()
