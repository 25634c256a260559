"""Background work of the automations (docs/automations.md): the rules of one trigger on one
ticket after its change commits, the time rules every five minutes, the webhook calls (each
right after its firing, and every minute the due retries). Safe to run twice or at once: a
firing is unique by rule, ticket and occurrence; a webhook try is claimed first.

The triggers and the time rules are durable runs (docs/deploy.md, "Durable tasks"): a
consumer killed mid-way leaves the run unfinished, the next consumer's start runs it again,
and the firings that had committed are skipped by their unique rows."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task, on_startup
from huey.exceptions import TaskLockedException

from afterdesk.automations.engine import ticket_trigger
from afterdesk.automations.timerules import time_rules_run
from afterdesk.automations.webhooks import webhook_send, webhooks_send_due
from afterdesk.core.durable import durable_call, durable_enqueue, durable_task

TIME_RULES_LOCK = "automations-time-rules"
WEBHOOKS_LOCK = "automations-webhooks"


# One task per committed change, however many tickets it touched: a sweep that breaches 1,000
# tickets queues one task, not 1,000 (each queued task is a write to the queue's storage).
# Retried as a whole: a worker that died mid-way left nothing half-done (each firing is one
# transaction) and the triggers that fired already are skipped by their unique firings.
@durable_task(atomic=False, retries=3, retry_delay=60)
def automations_triggers_task(work: list[list[Any]], skip_rule: int | None = None) -> int:
    return sum(
        len(ticket_trigger(ticket_id=ticket_id, trigger=trigger, key=key, skip_rule=skip_rule))
        for ticket_id, trigger, key in work
    )


def triggers_enqueue(work: list[tuple[int, str, str]], skip_rule: int | None) -> None:
    """Record the triggers' run and queue it (after the triggering change has committed: the
    run's row is one write of its own, outside the change's counted statements)."""
    with transaction.atomic():
        durable_enqueue(
            automations_triggers_task, work=[list(item) for item in work], skip_rule=skip_rule
        )


@durable_task(atomic=False)
def automations_time_run() -> int:
    try:
        with lock_task(TIME_RULES_LOCK):
            return len(time_rules_run())
    except TaskLockedException:
        return 0


@db_periodic_task(crontab(minute="*/5"))
def automations_time_periodic() -> int:
    return int(durable_call(automations_time_run))


@db_task()
def webhook_send_task(call_id: int) -> str:
    return webhook_send(call_id)


@db_periodic_task(crontab(minute="*"))
def automations_webhooks_periodic() -> int:
    try:
        with lock_task(WEBHOOKS_LOCK):
            return len(webhooks_send_due())
    except TaskLockedException:
        return 0


@on_startup()
def automations_locks_flush() -> None:
    """A consumer killed inside a locked run left its lock behind (the SQLite queue's locks do
    not expire): a starting consumer clears them. A run still going elsewhere may then
    overlap with a new one, which the firings' unique rows make harmless."""
    from huey.contrib.djhuey import HUEY

    HUEY.flush_locks(TIME_RULES_LOCK, WEBHOOKS_LOCK)
