"""Background jobs of the SLA clocks: the sweep every minute, the breach mail after commit,
and a rebuild of every ticket's state after a policy changes (docs/sla.md)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from afterdesk.sla.escalation import breach_notices_send
from afterdesk.sla.state import states_rebuild
from afterdesk.sla.sweep import sla_sweep


@db_periodic_task(crontab(minute="*"), retries=3, retry_delay=20)
def sla_sweep_periodic() -> int:
    """Safe to overlap with another sweep: each event is decided under its ticket's lock."""
    lines = sla_sweep(now=timezone.now())
    # Always: a notice whose mail failed earlier goes out with the next run.
    breach_notices_send_task()
    return len(lines)


@db_task(retries=5, retry_delay=120)
def breach_notices_send_task() -> int:
    return len(breach_notices_send())


@db_task(retries=3, retry_delay=60)
def sla_rebuild_task() -> int:
    return states_rebuild()
