"""The periodic schedule the consumer keeps, read from huey's registry after the same task
discovery `afterdesk worker` does (djhuey's run_huey imports every app's `tasks` module)."""

from __future__ import annotations

import importlib.util
from collections import Counter
from datetime import datetime

from django.utils.module_loading import autodiscover_modules
from huey.contrib.djhuey import HUEY


def _schedule() -> Counter[str]:
    """How many times each periodic task runs in an hour, as the consumer's scheduler asks
    huey each minute (`read_periodic`)."""
    autodiscover_modules("tasks")
    runs: Counter[str] = Counter()
    for minute in range(60):
        moment = datetime(2026, 12, 7, 10, minute)  # noqa: DTZ001 - huey's naive UTC
        for task in HUEY.read_periodic(moment):
            runs[task.name] += 1
            runs[f"module:{type(task).__module__}"] += 1
    return runs


def test_the_schedule_polls_mailboxes_sweeps_sla_and_requeues_lost_runs_every_minute() -> None:
    schedule = _schedule()
    for name in (
        "mailboxes_poll_periodic",  # IMAP polling
        "sla_sweep_periodic",  # SLA warnings and breaches
        "task_runs_requeue_periodic",  # durable runs a dead consumer lost
    ):
        assert schedule[name] == 60, (name, sorted(schedule))


def test_the_schedule_runs_the_survey_job_and_the_automation_time_rules_when_present() -> None:
    schedule = _schedule()
    assert schedule["surveys_periodic"] >= 1, sorted(schedule)
    if importlib.util.find_spec("afterdesk.automations.tasks") is not None:
        # The time rules ("solved for 24 h") are checked by a task of the automations app.
        assert schedule["module:afterdesk.automations.tasks"] >= 1, sorted(schedule)
