"""The parent side of `afterdesk bench`: prepares the databases and the history file, runs
the children, and formats their figures beside the targets."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import (
    IMPORT_TARGET_EVENTS_PER_SECOND,
    IMPORT_TARGET_RSS_MB,
    INBOX_TARGET_P95_MS,
)
from bench.databases import (
    DEFAULT_POSTGRES_URL,
    BenchDatabase,
    postgres_reachable,
)

EVENTS_PER_TICKET = 5  # about what write_synthetic_history produces
# A long step of the run, shown while it runs (`afterdesk bench` passes a terminal display on
# its stderr, `core.progress`); the figures are written after the step ends.
Step = Callable[[str], AbstractContextManager[object]]


def no_step(description: str) -> AbstractContextManager[object]:
    return nullcontext()


@dataclass
class BenchOptions:
    out: Path
    backends: tuple[str, ...] = ("sqlite", "postgres")
    events: int = 1_000_000
    sizes: tuple[int, ...] = (100_000, 1_000_000)
    repeat: int = 200
    statuses: tuple[str, ...] = ("open", "open,pending")
    metrics_tickets: int = 1_000_000
    rebuild_limit: int = 200_000
    postgres_url: str = DEFAULT_POSTGRES_URL
    results: list[dict[str, Any]] = field(default_factory=list)
    step: Step = no_step


Write = Callable[[str], None]


def databases(options: BenchOptions, write: Write) -> list[BenchDatabase]:
    found: list[BenchDatabase] = []
    if "sqlite" in options.backends:
        found.append(BenchDatabase.sqlite(options.out))
    if "postgres" in options.backends:
        if postgres_reachable(options.postgres_url):
            found.append(BenchDatabase.postgres(options.out, options.postgres_url))
        else:
            write("postgres: not reachable at 127.0.0.1:5432, skipped")
    return found


def history_file(out: Path, events: int, step: Step = no_step) -> tuple[Path, int]:
    """The synthetic history with about `events` events (written once, then reused)."""
    from bench.synthetic import write_synthetic_history

    out.mkdir(parents=True, exist_ok=True)
    tickets = max(events // EVENTS_PER_TICKET, 1)
    path = out / f"history-{tickets}-tickets.jsonl"
    count_file = path.with_suffix(".count")
    if path.is_file() and count_file.is_file():
        return path, int(count_file.read_text())
    with step(f"Writing a synthetic history of {tickets:,} tickets"):
        count = write_synthetic_history(path, tickets=tickets)
    count_file.write_text(str(count))
    return path, count


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def import_lines(result: dict[str, Any]) -> list[str]:
    rate, rss = result["events_per_second"], result["peak_rss_mb"]
    line = (
        f"import  {result['backend']:<10} {result['events']:>9,} events  "
        f"{result['seconds']:7.1f} s  {rate:9,.0f} events/s  peak RSS {rss:6.0f} MB "
        f"(check workers: {result.get('peak_worker_rss_mb', 0):.0f} MB each at most)"
    )
    if result["backend"] == "postgresql":
        line += (
            f"  [target ≥ {IMPORT_TARGET_EVENTS_PER_SECOND:,}/s: "
            f"{_verdict(rate >= IMPORT_TARGET_EVENTS_PER_SECOND)}; "
            f"RSS < {IMPORT_TARGET_RSS_MB} MB: {_verdict(rss < IMPORT_TARGET_RSS_MB)}]"
        )
    else:
        line += f"  [PostgreSQL target: ≥ {IMPORT_TARGET_EVENTS_PER_SECOND:,}/s, < 500 MB]"
    lines = [line]
    if result["errors"]:
        lines.append(f"  {result['errors']} import errors, e.g. {result['first_errors']}")
    return lines


def inbox_lines(result: dict[str, Any]) -> list[str]:
    p95 = result["p95_ms"]
    line = (
        f"inbox   {result['backend']:<10} {result['tickets']:>9,} tickets  "
        f"status={result['statuses']:<12} {result['render']:<6}  "
        f"p50 {result['p50_ms']:7.2f} ms  p95 {p95:7.2f} ms  max {result['max_ms']:7.2f} ms  "
        f"({result['rows']} rows, fill {result['fill_seconds']:.0f} s)"
    )
    if result["backend"] == "postgresql" and result["tickets"] >= 1_000_000:
        line += f"  [target p95 ≤ {INBOX_TARGET_P95_MS} ms: {_verdict(p95 <= INBOX_TARGET_P95_MS)}]"
    else:
        line += f"  [target p95 ≤ {INBOX_TARGET_P95_MS} ms at 1M on PostgreSQL]"
    return [line]


def run_import(options: BenchOptions, write: Write) -> None:
    path, count = history_file(options.out, options.events, options.step)
    write(f"history file: {path} ({count:,} events)")
    for database in databases(options, write):
        with options.step(f"Import benchmark on {database.backend}"):
            database.reset()
            output = database.run_worker(["import", str(path)])
        result = json.loads(output.strip().splitlines()[-1])
        result["kind"] = "import"
        options.results.append(result)
        for line in import_lines(result):
            write(line)


def run_inbox(options: BenchOptions, write: Write) -> None:
    for database in databases(options, write):
        args = ["inbox", "--sizes", ",".join(str(s) for s in options.sizes)]
        args += ["--repeat", str(options.repeat)]
        for status in options.statuses:
            args += ["--statuses", status]
        with options.step(f"Inbox benchmark on {database.backend}"):
            database.reset()
            output = database.run_worker(args)
        for result in json.loads(output.strip().splitlines()[-1])["results"]:
            result["kind"] = "inbox"
            options.results.append(result)
            name = f"plan-{result['backend']}-{result['tickets']}-{result['statuses']}.txt"
            (options.out / name).write_text(result.pop("plan") + "\n")
            for line in inbox_lines(result):
                write(line)


SCORECARD_TARGET_S = {"postgresql": 1.0, "sqlite": 3.0}
FACTS_ONE_TICKET_TARGET_MS = 5.0
REBUILD_TARGET_PER_S = 5000


def metrics_lines(result: dict[str, Any]) -> list[str]:
    backend = result["backend"]
    scorecard = result["scorecard_seconds_median"]
    scorecard_target = SCORECARD_TARGET_S[backend]
    one = result["facts_one_ticket_p95_ms"]
    rate = result["rebuild_tickets_per_second"]
    return [
        f"metrics {backend:<10} {result['tickets']:>9,} tickets {result['events']:>10,} events "
        f"(import {result['import_seconds']:.0f} s, {result['import_errors']} errors, "
        f"then VACUUM (ANALYZE) {result['vacuum_seconds']:.0f} s)",
        f"  monthly scorecard, {result['agents']} agents: median {scorecard:.3f} s "
        f"(min {result['scorecard_seconds_min']:.3f} s)  [target ≤ "
        f"{scorecard_target:.0f} s: {_verdict(scorecard <= scorecard_target)}]",
        f"  same, each agent under their own template: median "
        f"{result.get('scorecard_own_seconds_median', float('nan')):.3f} s",
        f"  one ticket's facts: p50 {result['facts_one_ticket_p50_ms']:.2f} ms, p95 {one:.2f} ms"
        f"  [target ≤ {FACTS_ONE_TICKET_TARGET_MS:.0f} ms: "
        f"{_verdict(one <= FACTS_ONE_TICKET_TARGET_MS)}]",
        f"  metrics rebuild: {rate:,.0f} tickets/s over {result['rebuild_tickets']:,} tickets"
        f"  [target ≥ {REBUILD_TARGET_PER_S:,}/s: {_verdict(rate >= REBUILD_TARGET_PER_S)}]",
        *weekly_lines(result),
    ]


WEEKLY_TARGET_S, WEEKLY_TARGET_BYTES = 0.3, 150_000


def weekly_lines(result: dict[str, Any]) -> list[str]:
    if "weekly_seconds_median" not in result:
        return []
    seconds, size = result["weekly_seconds_median"], result["weekly_bytes"]
    return [
        f"  weekly review page, figures stored: median {seconds:.3f} s "
        f"(max {result['weekly_seconds_max']:.3f} s), "
        f"{size / 1000:.0f} KB  [targets ≤ {WEEKLY_TARGET_S} s: "
        f"{_verdict(seconds <= WEEKLY_TARGET_S)}; ≤ {WEEKLY_TARGET_BYTES // 1000} KB: "
        f"{_verdict(size <= WEEKLY_TARGET_BYTES)}]",
        f"  weekly review page, cold (nothing stored; {result['weekly_stored_figures']} figures "
        f"computed and stored): median {result['weekly_cold_seconds_median']:.3f} s "
        f"(max {result['weekly_cold_seconds_max']:.3f} s)",
        f"  its {result['weekly_charts']} charts ({result['weekly_chart_bytes'] / 1000:.0f} KB): "
        f"{result['weekly_charts_first_seconds']:.2f} s drawn, "
        f"{result['weekly_charts_cached_seconds']:.3f} s from the chart cache",
    ]


def run_metrics(options: BenchOptions, write: Write) -> None:
    path, count = history_file(
        options.out, options.metrics_tickets * EVENTS_PER_TICKET, options.step
    )
    write(f"history file: {path} ({count:,} events)")
    for database in databases(options, write):
        args = ["metrics", str(path), "--repeat", "3"]
        args += ["--rebuild-limit", str(options.rebuild_limit)]
        with options.step(f"Metrics benchmark on {database.backend}"):
            database.reset()
            output = database.run_worker(args)
        result = json.loads(output.strip().splitlines()[-1])
        result["kind"] = "metrics"
        options.results.append(result)
        for line in metrics_lines(result):
            write(line)


def save_results(options: BenchOptions) -> Path:
    path = options.out / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(options.results, indent=2) + "\n")
    return path


PAGES_TARGET_P95_MS = 150.0
JS_TARGET_BYTES = 300_000
PAGES_DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/afterdesk_bench_pages"


def pages_lines(result: dict[str, Any]) -> list[str]:
    if result["kind"] == "js":
        if result.get("status") != 200:
            return [f"js      {result['page']:<34} HTTP {result.get('status')}"]
        size = result["bytes"]
        return [
            f"js      {result['page']:<34} {size / 1000:6.1f} KB in {len(result['scripts'])} "
            f"files ({result['gzip_bytes'] / 1000:.1f} KB gzipped)  "
            f"[target ≤ {JS_TARGET_BYTES // 1000} KB: {_verdict(size <= JS_TARGET_BYTES)}]"
        ]
    p95 = result["p95_ms"]
    line = (
        f"pages   {result['tickets']:>9,} tickets  {result['user']:<5} {result['page']:<30} "
        f"p50 {result['p50_ms']:6.1f} ms  p95 {p95:6.1f} ms  max {result['max_ms']:6.1f} ms  "
        f"(CPU p50 {result.get('cpu_p50_ms', float('nan')):5.1f} ms)  "
        f"{result['queries']:2d} queries  {result['bytes'] / 1000:5.0f} KB  load {result['load']}"
    )
    if result["tickets"] >= 1_000_000:
        line += f"  [target p95 ≤ {PAGES_TARGET_P95_MS:.0f} ms: "
        line += f"{_verdict(p95 <= PAGES_TARGET_P95_MS)}]"
    else:
        line += f"  [target p95 ≤ {PAGES_TARGET_P95_MS:.0f} ms at 1M]"
    return [line]


def run_pages(options: BenchOptions, write: Write, *, keep: bool = False) -> None:
    """PostgreSQL only (the target is PostgreSQL's); its own database, `afterdesk_bench_pages`
    unless `--postgres-url` names another."""
    if "postgres" not in options.backends:
        write("pages: PostgreSQL only, skipped on SQLite")
        return
    url = (
        PAGES_DEFAULT_URL if options.postgres_url == DEFAULT_POSTGRES_URL else options.postgres_url
    )
    if not postgres_reachable(url):
        write("pages: PostgreSQL not reachable at 127.0.0.1:5432, skipped")
        return
    database = BenchDatabase.postgres(options.out, url)
    args = ["pages", "--sizes", ",".join(str(s) for s in options.sizes)]
    args += ["--repeat", str(options.repeat)]
    with options.step(f"Pages benchmark on {database.backend}"):
        if not keep:
            database.reset()
        output = database.run_worker(args, timeout=4 * 3600)
    for result in json.loads(output.strip().splitlines()[-1])["results"]:
        options.results.append(result)
        for line in pages_lines(result):
            write(line)
