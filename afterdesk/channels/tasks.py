"""Background jobs of the channels app (docs/channels.md, "Polling", "Sending replies"):
polling every enabled mailbox and sending the replies that are due, every minute; one
reply's email right after its reply is committed. Each is safe to run twice."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task, on_startup
from huey.exceptions import TaskLockedException

from afterdesk.channels.services.bounces import bounces_apply_pending
from afterdesk.channels.services.polling import mailboxes_poll
from afterdesk.channels.services.sending import deliveries_send_due, delivery_send
from afterdesk.core.durable import durable_call, durable_task


@db_task()
def reply_send_task(delivery_id: int) -> str:
    """Send one reply now (the first try; retries come from `replies_due_periodic`)."""
    return delivery_send(delivery_id)


POLL_LOCK = "channels-mailboxes-poll"


@durable_task(atomic=False)
def mailboxes_poll_run() -> int:
    # One poll at a time: a slow server must not pile up runs (the next minute skips).
    try:
        with lock_task(POLL_LOCK):
            stored = sum(result.stored for result in mailboxes_poll())
    except TaskLockedException:
        return 0
    if stored:
        bounces_apply_pending()  # a bounce of a reply marks it at once (services.bounces)
    return stored


@db_periodic_task(crontab(minute="*"))
def mailboxes_poll_periodic() -> int:
    """A durable run (docs/deploy.md, "Durable tasks"): a consumer killed mid-poll leaves it
    unfinished and the next consumer's start polls again; a message stored before the kill
    is not stored twice (its Message-ID is unique among the stored mail)."""
    return int(durable_call(mailboxes_poll_run))


@on_startup()
def mailboxes_poll_lock_flush() -> None:
    """A consumer killed mid-poll left its lock behind (the SQLite queue's locks do not
    expire): a starting consumer clears it."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush_locks(POLL_LOCK)


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
