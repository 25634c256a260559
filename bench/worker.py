"""What runs inside a benchmark child process (`afterdesk bench _worker …`), against the
benchmark database only. Each function returns a JSON-able dict of figures."""

from __future__ import annotations

import math
import re
import resource
import statistics
import time
from html import unescape
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection

from afterdesk.accounts.models import User
from afterdesk.tickets.selectors import InboxFilters, inbox_queryset, inbox_tickets
from bench.fill import BENCH_ADMIN, TEAMS, tickets_fill

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


def _rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(who).ru_maxrss / 1024


def migrate() -> dict[str, Any]:
    call_command("migrate", interactive=False, verbosity=0)
    return {"migrated": True}


def history_import_measure(*, path: Path) -> dict[str, Any]:
    """Time `history_import` of one file; the peak RSS is this process's own."""
    from afterdesk.history.importer import history_import

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
        # the largest of the check pass's worker processes (they live only during that pass)
        "peak_worker_rss_mb": _rss_mb(resource.RUSAGE_CHILDREN),
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
    # What the inbox page does: one status → the queryset; several → one ordered query per
    # status, merged (`StatusMergedTickets`); tags prefetched.
    rows = list(inbox_tickets(user=user, filters=filters)[0:PAGE])
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


# Targets of the performance-evaluation issue (docs/benchmarks.md).
SCORECARD_MONTH = ("2026-03-01T00:00:00+00:00", "2026-04-01T00:00:00+00:00")


def _vacuum() -> float:
    """PostgreSQL: VACUUM (ANALYZE) the freshly loaded database, which autovacuum does by
    itself within minutes of a bulk load (insert threshold): the KPI queries are measured in
    that steady state, where index-only scans work. Returns the seconds it took."""
    if connection.vendor != "postgresql":
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


def metrics_run(*, path: Path, repeat: int, rebuild_limit: int) -> dict[str, Any]:
    """Import the synthetic history, then time: the monthly scorecard of every agent, one
    ticket's facts recomputation, and `metrics rebuild` (tickets/s)."""
    import random

    from django.db import transaction

    from afterdesk.core.timeutil import parse_instant
    from afterdesk.history.importer import history_import
    from afterdesk.metrics.scorecards import scorecard_compute
    from afterdesk.metrics.services import facts_refresh
    from afterdesk.metrics.templates import default_template
    from afterdesk.tickets.models import Ticket, TicketEvent

    started = time.perf_counter()
    report = history_import(path)
    import_seconds = time.perf_counter() - started
    vacuum_seconds = _vacuum()
    tickets = Ticket.objects.count()
    events = TicketEvent.objects.count()

    start, end = (parse_instant(v) for v in SCORECARD_MONTH)
    template = default_template()
    scorecard_times, rows = [], []
    for _ in range(max(repeat, 1) + 1):  # the first run warms caches and is dropped
        began = time.perf_counter()
        rows = scorecard_compute(start=start, end=end, template=template)
        scorecard_times.append(time.perf_counter() - began)
    scorecard_times = scorecard_times[1:]
    # The same month, each agent under their own template (docs/metrics.md, "Positions and
    # templates"): the synthetic agents hold four preset positions.
    own_times = []
    for _ in range(max(repeat, 1) + 1):
        began = time.perf_counter()
        scorecard_compute(start=start, end=end)
        own_times.append(time.perf_counter() - began)
    own_times = own_times[1:]

    weekly = weekly_review_measure(repeat=repeat)

    ids = list(Ticket.objects.values_list("pk", flat=True))
    sample = random.Random(1).sample(ids, min(200, len(ids)))
    one_ticket_ms = []
    for pk in sample:
        began = time.perf_counter()
        with transaction.atomic():
            facts_refresh(ticket_ids=[pk])
        one_ticket_ms.append((time.perf_counter() - began) * 1000)

    rebuild_ids = ids[:rebuild_limit] if rebuild_limit else ids
    began = time.perf_counter()
    for offset in range(0, len(rebuild_ids), 2000):
        with transaction.atomic():
            facts_refresh(ticket_ids=rebuild_ids[offset : offset + 2000])
    rebuild_seconds = time.perf_counter() - began
    return {
        "backend": connection.vendor,
        "tickets": tickets,
        "events": events,
        "agents": len(rows),
        "import_seconds": import_seconds,
        "import_errors": len(report.errors),
        "vacuum_seconds": vacuum_seconds,
        "scorecard_seconds_median": statistics.median(scorecard_times),
        "scorecard_seconds_min": min(scorecard_times),
        "scorecard_own_seconds_median": statistics.median(own_times),
        "facts_one_ticket_p50_ms": statistics.median(one_ticket_ms),
        "facts_one_ticket_p95_ms": percentile(one_ticket_ms, 0.95),
        "rebuild_tickets": len(rebuild_ids),
        "rebuild_tickets_per_second": len(rebuild_ids) / rebuild_seconds,
        **weekly,
        "peak_rss_mb": _rss_mb(),
    }


# A week of the synthetic history's busiest month (docs/benchmarks.md, "Weekly review").
WEEKLY_REVIEW_WEEK = "2026-03-16"


def weekly_review_measure(*, repeat: int) -> dict[str, Any]:
    """The weekly review page as a supervisor gets it: server time (Django's test client,
    the whole view: review, tables, template) and bytes, warm (its figures stored,
    docs/reports.md "Stored figures": what every request after the first gets until a change
    dated in its weeks) and cold (nothing stored: every figure computed, then stored); then
    its charts, drawn once, then served from the chart cache."""
    from django.test import Client

    from afterdesk.accounts.models import Role
    from afterdesk.metrics.models import StoredKpis

    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": Role.SUPERVISOR}
    )
    client = Client(SERVER_NAME="127.0.0.1")  # a host every configuration allows
    client.force_login(supervisor)
    query = {"week": WEEKLY_REVIEW_WEEK}
    client.get("/reports/weekly/", query)  # warms the process (templates, translations)
    cold = []
    for _ in range(2):
        StoredKpis.objects.all().delete()
        began = time.perf_counter()
        client.get("/reports/weekly/", query)
        cold.append(time.perf_counter() - began)
    stored = StoredKpis.objects.count()
    times, size, html = [], 0, ""
    for _ in range(max(repeat, 5) + 1):  # the first run warms caches and is dropped
        began = time.perf_counter()
        response = client.get("/reports/weekly/", query)
        times.append(time.perf_counter() - began)
        html, size = response.content.decode(), len(response.content)
    charts = [unescape(u) for u in re.findall(r'src="(/reports/weekly/charts/[^"]+)"', html)]
    began = time.perf_counter()
    chart_bytes = sum(len(client.get(url).content) for url in charts)
    charts_first = time.perf_counter() - began
    began = time.perf_counter()
    for url in charts:
        client.get(url)
    charts_cached = time.perf_counter() - began
    return {
        "weekly_seconds_median": statistics.median(times[1:]),
        "weekly_seconds_max": max(times[1:]),
        "weekly_cold_seconds_median": statistics.median(cold),
        "weekly_cold_seconds_max": max(cold),
        "weekly_stored_figures": stored,
        "weekly_bytes": size,
        "weekly_charts": len(charts),
        "weekly_chart_bytes": chart_bytes,
        "weekly_charts_first_seconds": charts_first,
        "weekly_charts_cached_seconds": charts_cached,
    }
