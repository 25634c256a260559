"""Background jobs of the stores app (docs/stores.md, "Webhooks", "Sync"): each webhook
delivery applied right after it is stored, the deliveries left unapplied (a lost task, a
worker that died mid-way) every 5 minutes, every enabled connection's order sync every 15
minutes, and one connection's right away ("Sync now"). Safe to run twice: a delivery is
applied once, sync writes are upserts."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.stores.services.sync import connections_sync
from afterdesk.stores.services.webhooks import deliveries_process_pending, delivery_process


@db_task()
def webhook_delivery_task(delivery_id: int) -> str:
    return delivery_process(delivery_id)


@db_periodic_task(crontab(minute="*/5"))
def webhook_deliveries_pending_periodic() -> int:
    try:
        with lock_task("stores-webhooks-pending"):
            return len(deliveries_process_pending())
    except TaskLockedException:
        return 0


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
