"""What runs inside a benchmark child process (`afterdesk bench _worker …`), against the
benchmark database only. Each function returns a JSON-able dict of figures."""

from __future__ import annotations

import math
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from afterdesk.accounts.models import User
from afterdesk.demo.bench.fill import BENCH_ADMIN, TEAMS, tickets_fill
from afterdesk.tickets.selectors import InboxFilters, inbox_queryset

PAGE = 50
WARMUP = 5
# The columns an inbox row shows, for the `.values()` rendering.
ROW_VALUES = (
    "id",
    "external_id",
    "subject",
    "status",
    "priority",
    "channel",
    "platform",
    "language",
    "category",
    "updated_at",
    "assignee__username",
    "assignee__display_name",
    "team__name",
    "store__name",
    "customer__name",
)


def _rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def migrate() -> dict[str, Any]:
    call_command("migrate", interactive=False, verbosity=0)
    return {"migrated": True}


def history_import_measure(*, path: Path) -> dict[str, Any]:
    """Time `history_import` of one file; the peak RSS is this process's own."""
    from afterdesk.metrics.history import history_import

    rss_before = _rss_mb()
    started = time.perf_counter()
    report = history_import(path)
    seconds = time.perf_counter() - started
    events = report.events_added + sum(c.present for c in report.events.values())
    return {
        "backend": connection.vendor,
        "events": events,
        "tickets": report.entities["ticket"].created,
        "seconds": seconds,
        "events_per_second": events / seconds if seconds else 0.0,
        "rss_before_mb": rss_before,
        "peak_rss_mb": _rss_mb(),
        "errors": len(report.errors),
        "first_errors": report.error_lines()[:5],
    }


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _page(*, user: User, filters: InboxFilters, render: str) -> list[Any]:
    queryset = inbox_queryset(user=user, filters=filters)
    if render == "sql":  # no model rows: the query compiled, executed and fetched as tuples
        sql, params = queryset[:PAGE].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    if render == "values":
        return list(queryset.values(*ROW_VALUES)[:PAGE])
    rows = list(queryset[:PAGE])
    for ticket in rows:  # what a row of the page shows
        _ = (ticket.assignee, ticket.team, ticket.store, ticket.customer, ticket.subject)
    return rows


def inbox_measure(*, statuses: str, repeat: int, render: str = "models") -> dict[str, Any]:
    """First page of the inbox (status + team filter, newest update first), rendered as
    model rows with their assignee, team, store and customer joined (`models`, what the
    page does) or as `.values()` of the shown columns (`values`); `sql` stops at the raw
    tuples of the compiled query, which isolates the database's share."""
    user = User.objects.get(username=BENCH_ADMIN)
    timings: list[float] = []
    rows: list[Any] = []
    for index in range(WARMUP + repeat):
        filters = InboxFilters(status=statuses, team=TEAMS[index % 4])
        started = time.perf_counter()
        rows = _page(user=user, filters=filters, render=render)
        if index >= WARMUP:
            timings.append((time.perf_counter() - started) * 1000)
    plan_qs = inbox_queryset(user=user, filters=InboxFilters(status=statuses, team=TEAMS[1]))
    if connection.vendor == "postgresql":
        plan = plan_qs[:PAGE].explain(analyze=True)
    else:
        plan = plan_qs[:PAGE].explain()
    return {
        "statuses": statuses,
        "render": render,
        "repeat": repeat,
        "rows": len(rows),
        "p50_ms": statistics.median(timings),
        "p95_ms": percentile(timings, 0.95),
        "max_ms": max(timings),
        "plan": plan,
    }


def inbox_run(*, sizes: list[int], repeat: int, statuses: list[str]) -> dict[str, Any]:
    results = []
    for size in sorted(sizes):
        fill_seconds = tickets_fill(target=size)
        for status in statuses:
            for render in ("models", "values", "sql"):
                result = inbox_measure(statuses=status, repeat=repeat, render=render)
                result.update(backend=connection.vendor, tickets=size, fill_seconds=fill_seconds)
                results.append(result)
    return {"results": results}
