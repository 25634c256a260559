"""Background work of the automations (docs/automations.md): the rules of one trigger on one
ticket after its change commits, the time rules every five minutes, the webhook calls (each
right after its firing, and every minute the due retries). Safe to run twice or at once: a
firing is unique by rule, ticket and occurrence; a webhook try is claimed first."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.automations.engine import ticket_trigger
from afterdesk.automations.timerules import time_rules_run
from afterdesk.automations.webhooks import webhook_send, webhooks_send_due


# One task per committed change, however many tickets it touched: a sweep that breaches 1,000
# tickets queues one task, not 1,000 (each queued task is a write to the queue's storage).
# Retried as a whole: a worker that died mid-way left nothing half-done (each firing is one
# transaction) and the triggers that fired already are skipped by their unique firings.
@db_task(retries=3, retry_delay=60)
def automations_triggers_task(
    work: list[tuple[int, str, str]], skip_rule: int | None = None
) -> int:
    return sum(
        len(ticket_trigger(ticket_id=ticket_id, trigger=trigger, key=key, skip_rule=skip_rule))
        for ticket_id, trigger, key in work
    )


@db_periodic_task(crontab(minute="*/5"))
def automations_time_periodic() -> int:
    try:
        with lock_task("automations-time-rules"):
            return len(time_rules_run())
    except TaskLockedException:
        return 0


@db_task()
def webhook_send_task(call_id: int) -> str:
    return webhook_send(call_id)


@db_periodic_task(crontab(minute="*"))
def automations_webhooks_periodic() -> int:
    try:
        with lock_task("automations-webhooks"):
            return len(webhooks_send_due())
    except TaskLockedException:
        return 0
