"""Background work of returns: the reminder of marketplace refunds not confirmed after a day
(docs/returns.md, "Refunds")."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from afterdesk.returns.services.refunds import manual_refund_reminders


@db_periodic_task(crontab(minute="7"), retries=3, retry_delay=60)
def returns_reminders_periodic() -> int:
    """Safe to overlap or rerun: each refund is reminded once, under its row lock."""
    return len(manual_refund_reminders(now=timezone.now()))
