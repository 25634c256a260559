"""Background jobs of the SLA clocks: the sweep every minute, the breach mail after commit,
and a rebuild of every ticket's state after a policy changes (docs/sla.md).

The sweep is a durable run (docs/deploy.md, "Durable tasks"): a consumer killed mid-sweep
leaves the run unfinished and the next consumer's start runs it again; the batches that had
committed are not written twice (each event is decided under its ticket's lock)."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from afterdesk.core.durable import durable_call, durable_task
from afterdesk.sla.escalation import breach_notices_send
from afterdesk.sla.state import states_rebuild
from afterdesk.sla.sweep import sla_sweep


@durable_task(atomic=False, retries=3, retry_delay=20)
def sla_sweep_run() -> int:
    """Safe to overlap with another sweep: each event is decided under its ticket's lock."""
    lines = sla_sweep(now=timezone.now())
    # Always: a notice whose mail failed earlier goes out with the next run.
    breach_notices_send_task()
    return len(lines)


@db_periodic_task(crontab(minute="*"), retries=3, retry_delay=20)
def sla_sweep_periodic() -> int:
    return int(durable_call(sla_sweep_run))


@db_task(retries=5, retry_delay=120)
def breach_notices_send_task() -> int:
    return len(breach_notices_send())


@db_task(retries=3, retry_delay=60)
def sla_rebuild_task() -> int:
    return states_rebuild()
