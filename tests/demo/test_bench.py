from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from bench.databases import BenchDatabase, BenchError
from bench.worker import percentile


def test_bench_all_with_tiny_sizes_on_sqlite(tmp_path: Path) -> None:
    out = StringIO()
    call_command(
        "bench", "all", "--backend", "sqlite", "--events", "200", "--tickets", "300",
        "--repeat", "3", "--metrics-tickets", "300", "--rebuild-limit", "0",
        "--triage-rounds", "1", "--out", str(tmp_path), stdout=out,
    )  # fmt: skip
    text = out.getvalue()
    assert "import  sqlite" in text
    assert "events/s" in text
    assert "peak RSS" in text
    assert "inbox   sqlite" in text
    assert "p95" in text
    results = json.loads(next(tmp_path.glob("results-*.json")).read_text())
    kinds = [result["kind"] for result in results]
    assert kinds.count("import") == 1
    assert kinds.count("inbox") == 6  # 2 status filters × (models, values, sql) × 1 size
    assert kinds.count("metrics") == 1
    assert kinds.count("triage") == 1
    metrics = next(result for result in results if result["kind"] == "metrics")
    assert metrics["tickets"] == 300
    assert metrics["import_errors"] == 0
    assert metrics["agents"] > 0
    assert metrics["rebuild_tickets"] == 300
    assert "monthly scorecard" in text
    assert "metrics rebuild" in text
    imported = next(result for result in results if result["kind"] == "import")
    triaged = next(result for result in results if result["kind"] == "triage")
    assert triaged["messages"] == triaged["distinct_messages"] >= 400
    assert triaged["messages_per_second"] > 0
    assert triaged["messages_per_cpu_second"] > 0
    assert "messages per CPU second on one core" in text
    assert imported["errors"] == 0
    assert imported["events"] > 150
    assert all(0 < r["rows"] <= 50 for r in results if r["kind"] == "inbox")
    assert (tmp_path / "sqlite" / "bench.sqlite3").is_file()


def test_worker_refuses_a_database_that_is_not_a_benchmark_one() -> None:
    with pytest.raises(CommandError, match="refusing"):
        call_command("bench", "_worker", "migrate", stdout=StringIO())


def test_postgres_bench_database_must_be_a_bench_one(tmp_path: Path) -> None:
    with pytest.raises(BenchError):
        BenchDatabase.postgres(tmp_path, "postgres://postgres@127.0.0.1:5432/afterdesk")


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
