"""Background jobs of the stores app (docs/stores.md, "Sync"): every enabled connection's
order sync every 15 minutes, and one connection's right away ("Sync now"). Safe to run twice:
writes are upserts."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.stores.services.sync import connections_sync


@db_task()
def connection_sync_task(connection_id: int) -> str:
    try:
        with lock_task(f"stores-sync-{connection_id}"):
            results = connections_sync(connection_id)
    except TaskLockedException:
        return "already syncing"
    return results[0].line() if results else "no such connection"


@db_periodic_task(crontab(minute="*/15"))
def stores_sync_periodic() -> int:
    try:
        with lock_task("stores-sync-all"):
            return sum(result.written for result in connections_sync())
    except TaskLockedException:
        return 0
