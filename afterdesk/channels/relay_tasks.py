"""Background jobs of the relay channels (docs/channels.md, "Messenger and Instagram"): one
reply to the Send API (or a webhook's reply URL) right after it is committed, and every
minute the deliveries whose retry is due (or whose first try a restart lost); the files of
Meta messages right after the webhook, and every minute those due. Each is safe to run
twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.channels.services.meta import relay_deliveries_send_due, relay_delivery_send
from afterdesk.channels.services.meta_files import files_fetch_due


@db_task()
def relay_send_task(delivery_id: int) -> str:
    return relay_delivery_send(delivery_id)


@db_periodic_task(crontab(minute="*"))
def relay_deliveries_due_periodic() -> int:
    try:
        with lock_task("channels-relay-deliveries-due"):
            return len(relay_deliveries_send_due())
    except TaskLockedException:
        return 0


@db_task()
def relay_files_task(message_ids: list[int]) -> int:
    return len(files_fetch_due(message_ids=message_ids))


@db_periodic_task(crontab(minute="*"))
def relay_files_due_periodic() -> int:
    try:
        with lock_task("channels-relay-files-due"):
            return len(files_fetch_due())
    except TaskLockedException:
        return 0
