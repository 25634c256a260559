"""The durable task of the worker tests: writes its effect row, then (on the attempt the test
names) sleeps inside its transaction so the test can kill the consumer mid-task."""

from __future__ import annotations

import os
import time
from pathlib import Path

from afterdesk.core.durable import durable_task
from tests.core.worker_app.models import Effect


@durable_task()
def effect_task(label: str) -> None:
    Effect.objects.create(label=label)
    marks = Path(os.environ["AFTERDESK_DATA_DIR"])
    attempt = len(list(marks.glob(f"started-{label}-*"))) + 1
    (marks / f"started-{label}-{attempt}").touch()
    if attempt == 1:
        time.sleep(120)  # killed here: the row above is never committed
