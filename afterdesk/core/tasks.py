"""The one way to start a side effect: after the surrounding transaction commits."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, **ids: Any) -> None:
    """Enqueue a huey task with keyword ids once the current transaction commits."""
    transaction.on_commit(lambda: task(**ids))
