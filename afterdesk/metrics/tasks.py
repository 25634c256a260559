"""Background jobs of the metrics app: every hour, the recorded changes of each day merged into
one row and the stored KPI figures not used for long removed (docs/reports.md, "Stored
figures"). Safe to run twice or concurrently: merging keeps each day's version, and removed
figures are only computed again when next asked for."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task
from huey.exceptions import TaskLockedException

from afterdesk.metrics.stored import changes_compact, stored_kpis_prune


@db_periodic_task(crontab(minute="23"))
def stored_figures_tidy_periodic() -> int:
    try:
        with lock_task("metrics-stored-figures-tidy"):
            return changes_compact() + stored_kpis_prune()
    except TaskLockedException:
        return 0
