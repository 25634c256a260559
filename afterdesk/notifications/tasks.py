"""Background jobs of the notifications app: the email copies after commit, and every five
minutes whatever a failed or lost run left."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import notification_emails_send


@db_task()
def notification_emails_task() -> int:
    """Safe to run twice: each email is claimed, then stamped."""
    return notification_emails_send()


@db_periodic_task(crontab(minute="*/5"))
def notification_emails_periodic() -> int:
    return notification_emails_send()
