"""Is this process able to serve: the database and the task queue answer (`/healthz`)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)


def task_queue() -> Any:
    """The huey instance the settings configure (SQLite, or Redis with REDIS_URL), looked up
    on each call."""
    from huey.contrib import djhuey

    return djhuey.HUEY


def database_reachable(connection: BaseDatabaseWrapper | None = None) -> bool:
    connection = connection or connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        # The reason goes to the log, for the operator; the probe only learns "failing".
        logger.warning("health: the database did not answer", exc_info=True)
        return False


def task_queue_reachable(huey: Any = None) -> bool:
    huey = huey if huey is not None else task_queue()
    try:
        huey.pending_count()  # one read of the queue's storage
    except Exception:
        logger.warning("health: the task queue did not answer", exc_info=True)
        return False
    return True


def service_healthy() -> bool:
    # Both checks run even when the first fails, so the log names every fault at once.
    database = database_reachable()
    queue = task_queue_reachable()
    return database and queue
