"""Settings of the consumer the worker tests start: the real settings plus the test app with
its durable task, on a queue name the test chooses (its own keys in a shared Redis)."""

import os

from afterdesk.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.core.worker_app.apps.WorkerAppConfig"]  # noqa: F405
HUEY["name"] = os.environ.get("AFTERDESK_TEST_QUEUE", "afterdesk")  # noqa: F405
