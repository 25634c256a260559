"""The one way to start a side effect: after the surrounding transaction commits; and the
requeue of durable runs (afterdesk.core.durable)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, on_startup

from afterdesk.core.durable import LEASE, runs_prune, runs_requeue, runs_requeue_at_start


def enqueue_on_commit(task: Any, **ids: Any) -> None:
    """Enqueue a huey task with keyword ids once the current transaction commits."""
    transaction.on_commit(lambda: task(**ids))


@on_startup()
@close_db
def task_runs_requeue_on_start() -> None:
    """A consumer killed mid-task left its durable runs undone: hand them over again."""
    runs_requeue_at_start()


@db_periodic_task(crontab(minute="*"))
def task_runs_requeue_periodic() -> int:
    """Durable runs lost by a consumer that died while others kept running."""
    runs_prune()
    return runs_requeue(older_than=LEASE)
