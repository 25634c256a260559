"""Settings of the consumer the real-task worker tests start (tests/core/test_worker_tasks.py):
the real settings plus the kill point (tests/core/pause_app), on a queue name the test
chooses (its own keys in a shared Redis)."""

import os

from afterdesk.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.pause_app.apps.PauseAppConfig"]  # noqa: F405
HUEY["name"] = os.environ.get("AFTERDESK_TEST_QUEUE", "afterdesk")  # noqa: F405
