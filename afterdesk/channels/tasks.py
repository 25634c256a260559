"""Background jobs of the channels app (docs/channels.md, "Polling", "Sending replies"):
polling every enabled mailbox and sending the replies that are due, every minute; one
reply's email right after its reply is committed. Each is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.channels.services.bounces import bounces_apply_pending
from afterdesk.channels.services.polling import mailboxes_poll
from afterdesk.channels.services.sending import deliveries_send_due, delivery_send


@db_task()
def reply_send_task(delivery_id: int) -> str:
    """Send one reply now (the first try; retries come from `replies_due_periodic`)."""
    return delivery_send(delivery_id)


@db_periodic_task(crontab(minute="*"))
def mailboxes_poll_periodic() -> int:
    # One poll at a time: a slow server must not pile up runs (the next minute skips).
    try:
        with lock_task("channels-mailboxes-poll"):
            stored = sum(result.stored for result in mailboxes_poll())
    except TaskLockedException:
        return 0
    if stored:
        bounces_apply_pending()  # a bounce of a reply marks it at once (services.bounces)
    return stored


@db_periodic_task(crontab(minute="*"))
def bounces_periodic() -> int:
    """Bounces on tickets not read yet, whichever way they came in (services.bounces)."""
    try:
        with lock_task("channels-bounces"):
            return bounces_apply_pending()
    except TaskLockedException:
        return 0


@db_periodic_task(crontab(minute="*"))
def replies_due_periodic() -> int:
    """Replies whose retry is due, and any whose first try was lost (a worker restart)."""
    try:
        with lock_task("channels-replies-due"):
            return len(deliveries_send_due())
    except TaskLockedException:
        return 0
