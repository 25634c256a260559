"""Tasks that survive a killed worker (docs/deploy.md, "Durable tasks").

huey hands a queued task to one consumer and forgets it, so a consumer killed mid-task
(SIGKILL, out of memory, a lost machine) loses the task. A durable task is also a `TaskRun`
row, written in the transaction that asks for it; its handler does the work and marks the run
done in one transaction, so the work commits together with the mark or not at all. A run not
done is handed to the queue again when a consumer starts and, after `LEASE`, by a periodic
task (afterdesk.core.tasks); a run already done is skipped. Delivery is at least once, the
effect in the database exactly once.

A job too long for one transaction (the SLA sweep, the time rules, sending surveys, polling
mailboxes) is a durable task with `atomic=False`: its handler commits piece by piece and
must make each piece happen once by itself (a unique row, a claim, a lock under which it
decides); the run is marked done after it returns. `durable_call` runs such a handler at
once in the calling process (a periodic task), recorded first, so a consumer killed mid-way
leaves an unfinished run that the next consumer's start hands to the queue again.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import db_task

from afterdesk.core.models import TaskRun

# A run handed over this long ago and still not done was lost (its consumer died) or is very
# slow; a second delivery of a slow one waits for the row lock, then finds it done.
LEASE = timedelta(minutes=10)
KEEP_DONE = timedelta(days=7)

_tasks: dict[str, Any] = {}  # registered name → huey task
_handlers: dict[str, tuple[Callable[..., Any], bool]] = {}  # name → (fn, atomic)
_started = threading.Lock()
_requeued_at_start = False


def durable_task(
    *, atomic: bool = True, **huey_options: Any
) -> Callable[[Callable[..., Any]], Any]:
    """Decorate `fn(**kwargs)`: enqueue it with `durable_enqueue`. `fn` runs inside the
    transaction that marks its run done; it must keep its effects in the database (or make
    them idempotent itself). With `atomic=False`, `fn` commits as it goes and the run is
    marked done once it returns: each of its effects must happen once by itself."""

    def decorator(fn: Callable[..., Any]) -> Any:
        name = f"{fn.__module__}.{fn.__name__}"

        def run(run_key: str) -> bool:
            # Counted in its own transaction: a killed attempt still shows in `attempts`.
            TaskRun.objects.filter(key=run_key, done_at=None).update(attempts=F("attempts") + 1)
            if not atomic:
                current = TaskRun.objects.filter(key=run_key, done_at=None).first()
                if current is None:
                    return False  # a repeated delivery of a finished run
                fn(**current.kwargs)
                TaskRun.objects.filter(key=run_key, done_at=None).update(done_at=timezone.now())
                return True
            with transaction.atomic():
                current = TaskRun.objects.select_for_update().filter(key=run_key).first()
                if current is None or current.done_at is not None:
                    return False  # a repeated delivery: the work is already committed
                fn(**current.kwargs)
                current.done_at = timezone.now()
                current.save(update_fields=["done_at"])
            return True

        run.__name__ = fn.__name__
        run.__qualname__ = fn.__qualname__
        run.__module__ = fn.__module__
        task = db_task(name=name, **huey_options)(run)
        _tasks[name] = task
        _handlers[name] = (fn, atomic)
        return task

    return decorator


def durable_enqueue(task: Any, *, key: str | None = None, **kwargs: Any) -> TaskRun:
    """Record a run of `task` with JSON `kwargs` in the current transaction and hand it to
    the queue once that commits. A `key` already recorded is the same run (not a second one)."""
    name = next((n for n, t in _tasks.items() if t is task), None)
    if name is None:
        raise ValueError(f"{task!r} is not a durable task")
    run_key = key or uuid.uuid4().hex
    run, created = TaskRun.objects.get_or_create(
        key=run_key, defaults={"name": name, "kwargs": kwargs, "enqueued_at": timezone.now()}
    )
    if created:
        transaction.on_commit(lambda: task(run_key=run_key))
    return run


def durable_call(task: Any, **kwargs: Any) -> Any:
    """Run the handler of `task` (a durable task with `atomic=False`) here and now and return
    what it returns; its run is recorded and committed first, so if this process dies
    mid-way a consumer's start hands the run to the queue again. A handler that raises marks
    its run done: the error is the caller's (a periodic task's next run is its retry)."""
    name = next((n for n, t in _tasks.items() if t is task), None)
    if name is None or _handlers[name][1]:
        raise ValueError(f"{task!r} is not a durable task with atomic=False")
    if transaction.get_connection().in_atomic_block:
        # Inside a transaction (a test's) the record would vanish with it anyway.
        return _handlers[name][0](**kwargs)
    run = TaskRun.objects.create(
        key=uuid.uuid4().hex, name=name, kwargs=kwargs, enqueued_at=timezone.now(), attempts=1
    )
    try:
        return _handlers[name][0](**kwargs)
    finally:
        TaskRun.objects.filter(pk=run.pk).update(done_at=timezone.now())


def runs_requeue(*, older_than: timedelta, limit: int = 1000) -> int:
    """Hand again to the queue the runs not done and handed over before now - `older_than`;
    runs of tasks this process does not know are left for one that does."""
    now = timezone.now()
    pending = TaskRun.objects.filter(done_at=None, enqueued_at__lt=now - older_than)
    count = 0
    for run in pending.order_by("enqueued_at")[:limit]:
        task = _tasks.get(run.name)
        if task is None:
            continue
        TaskRun.objects.filter(pk=run.pk).update(enqueued_at=now)
        task(run_key=run.key)
        count += 1
    return count


def runs_requeue_at_start() -> int:
    """At a consumer's start, once per process (huey calls start-up hooks in each worker
    thread): every run not done yet. One still running elsewhere is delivered twice and the
    second delivery does nothing."""
    global _requeued_at_start
    with _started:
        if _requeued_at_start:
            return 0
        _requeued_at_start = True
    try:
        return runs_requeue(older_than=timedelta(0))
    except Exception:
        _requeued_at_start = False  # e.g. not migrated yet: the next thread's start tries again
        raise


def runs_prune() -> int:
    """Forget runs done more than KEEP_DONE ago."""
    deleted, _ = TaskRun.objects.filter(done_at__lt=timezone.now() - KEEP_DONE).delete()
    return deleted
