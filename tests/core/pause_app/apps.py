"""The controlled kill point of the real-task worker tests (tests/core/test_worker_tasks.py).

In the consumer the test starts, `AFTERDESK_TEST_PAUSE_AFTER=module.function` wraps that
function of the real code: after its first call returns (whatever it committed is committed),
the wrapper writes `paused` in the data directory and sleeps, so the test SIGKILLs the
consumer between two steps of a real task. Once `paused` exists the wrapper does nothing, so
the restarted consumer runs through. `AFTERDESK_TEST_SET=module.NAME=integer` sets a module
constant first (the SLA sweep's batch size, so two tickets are two transactions)."""

from __future__ import annotations

import functools
import importlib
import os
import time
from pathlib import Path
from typing import Any

from django.apps import AppConfig

PAUSE_SECONDS = 300


def _pause_after(target: str, marks: Path) -> None:
    module_name, _, attribute = target.rpartition(".")
    module = importlib.import_module(module_name)
    original = getattr(module, attribute)

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        paused = marks / "paused"
        if not paused.exists():
            paused.touch()
            time.sleep(PAUSE_SECONDS)  # the test kills the consumer here
        return result

    setattr(module, attribute, wrapper)


class PauseAppConfig(AppConfig):
    name = "tests.core.pause_app"
    label = "pause_app"

    def ready(self) -> None:
        setting = os.environ.get("AFTERDESK_TEST_SET", "")
        if setting:
            target, _, value = setting.partition("=")
            module_name, _, attribute = target.rpartition(".")
            setattr(importlib.import_module(module_name), attribute, int(value))
        target = os.environ.get("AFTERDESK_TEST_PAUSE_AFTER", "")
        if target:
            _pause_after(target, Path(os.environ["AFTERDESK_DATA_DIR"]))
