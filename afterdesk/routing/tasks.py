"""Background work of routing: the offline agents' tickets reassigned every minute
(docs/routing.md, "Offline agents")."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from afterdesk.routing.services import offline_reassign


@db_periodic_task(crontab(minute="*"), retries=3, retry_delay=20)
def routing_reassign_periodic() -> int:
    """Safe to overlap or rerun: each ticket is checked again under its lock."""
    return len(offline_reassign(now=timezone.now()))
