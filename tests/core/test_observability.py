"""Prometheus metrics (`afterdesk.core.observability`) and `/metrics`: the counters move, the
token is required, the endpoint does not exist without one; multiprocess mode adds up."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from huey import RedisHuey, SqliteHuey
from huey.contrib import djhuey
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from afterdesk.alerts.services import alerts_sweep
from afterdesk.core.checks import metrics_token_check
from afterdesk.history.importer import history_import
from tests.core.test_health import REDIS_TEST_URL, closed_port, needs_redis
from tests.history.helpers import AGENT, CALENDAR, INBOUND, REPLY, TICKET, write_history

TOKEN = "metrics-token-for-tests"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(text: str) -> dict[str, float]:
    """`name{labels}` → value, label values only, in order: enough for these tests."""
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            key = s.name + ("{" + ",".join(s.labels.values()) + "}" if s.labels else "")
            values[key] = s.value
    return values


@pytest.fixture
def metrics_on(settings: Any) -> str:
    settings.AFTERDESK_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(client: Client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return scraped(response.content.decode())


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_method_route_and_status_class(client: Client) -> None:
    ok = {"method": "GET", "route": "core:healthz", "status": "2xx"}
    before = sample("afterdesk_http_requests_total", **ok)
    timed_before = sample("afterdesk_http_request_duration_seconds_count", **ok)
    client.get("/healthz")
    client.get("/healthz")
    assert sample("afterdesk_http_requests_total", **ok) == before + 2
    assert sample("afterdesk_http_request_duration_seconds_count", **ok) == timed_before + 2

    refused = {"method": "POST", "route": "core:healthz", "status": "4xx"}
    before = sample("afterdesk_http_requests_total", **refused)
    client.post("/healthz")
    assert sample("afterdesk_http_requests_total", **refused) == before + 1


@pytest.mark.django_db
def test_a_path_no_route_matches_is_counted_under_one_label(client: Client) -> None:
    lost = {"method": "GET", "route": "unmatched", "status": "4xx"}
    before = sample("afterdesk_http_requests_total", **lost)
    assert client.get(f"/no-such-page-{uuid.uuid4().hex}/x/y").status_code == 404
    assert sample("afterdesk_http_requests_total", **lost) == before + 1


@pytest.mark.django_db
def test_metrics_endpoint_does_not_exist_without_a_token(client: Client, settings: Any) -> None:
    settings.AFTERDESK_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_metrics_endpoint_requires_the_bearer_token(client: Client, metrics_on: str) -> None:
    for header in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        response = client.get("/metrics", **header)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert b"afterdesk_" not in response.content
    client.get("/healthz")
    values = scrape(client)
    assert values["afterdesk_http_requests_total{GET,core:healthz,2xx}"] >= 1


@pytest.mark.django_db
def test_queue_depth_on_the_sqlite_queue(
    client: Client, metrics_on: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    huey = SqliteHuey("afterdesk-metrics", filename=str(tmp_path / "q.sqlite3"))
    monkeypatch.setattr(djhuey, "HUEY", huey)

    @huey.task()
    def noop() -> None:
        return None

    noop()
    noop()
    values = scrape(client)
    assert values["afterdesk_task_queue_pending"] == 2
    assert values["afterdesk_task_queue_up"] == 1


@pytest.fixture
def redis_huey() -> Iterator[RedisHuey]:
    huey = RedisHuey(f"afterdesk-metrics-{uuid.uuid4().hex}", url=REDIS_TEST_URL)
    try:
        yield huey
    finally:
        huey.storage.flush_all()


@needs_redis
@pytest.mark.django_db
def test_queue_depth_on_the_redis_queue(
    client: Client, metrics_on: str, monkeypatch: pytest.MonkeyPatch, redis_huey: RedisHuey
) -> None:
    monkeypatch.setattr(djhuey, "HUEY", redis_huey)

    @redis_huey.task()
    def noop() -> None:
        return None

    for _ in range(3):
        noop()
    assert scrape(client)["afterdesk_task_queue_pending"] == 3


@pytest.mark.django_db
def test_a_queue_that_does_not_answer_is_reported_not_fatal(
    client: Client, metrics_on: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = RedisHuey("afterdesk-metrics", url=f"redis://127.0.0.1:{closed_port()}/14")
    monkeypatch.setattr(djhuey, "HUEY", down)
    values = scrape(client)
    assert values["afterdesk_task_queue_up"] == 0
    assert "afterdesk_task_queue_pending" not in values


def test_failed_tasks_of_the_apps_queue_are_counted() -> None:
    """The app's own huey (immediate in tests): core's AppConfig.ready wired the signal."""
    name = f"fails_{uuid.uuid4().hex[:8]}"

    def fails() -> None:
        raise RuntimeError("boom")

    fails.__name__ = name
    task = djhuey.HUEY.task(name=name)(fails)
    before = sample("afterdesk_task_failures_total", task=name)
    task()
    assert sample("afterdesk_task_failures_total", task=name) == before + 1


@pytest.mark.django_db
def test_history_import_duration_is_recorded(tmp_path: Path) -> None:
    labels = {"job": "history_import", "outcome": "ok"}
    before = sample("afterdesk_job_duration_seconds_count", **labels)
    path = write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, REPLY)
    assert history_import(path).imported
    assert sample("afterdesk_job_duration_seconds_count", **labels) == before + 1

    failed = {"job": "history_import", "outcome": "error"}
    before = sample("afterdesk_job_duration_seconds_count", **failed)
    with pytest.raises(FileNotFoundError):
        history_import(tmp_path / "missing.jsonl")
    assert sample("afterdesk_job_duration_seconds_count", **failed) == before + 1


@pytest.mark.django_db
def test_alert_sweep_duration_is_recorded() -> None:
    labels = {"job": "alerts_sweep", "outcome": "ok"}
    before = sample("afterdesk_job_duration_seconds_count", **labels)
    alerts_sweep(now=datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    assert sample("afterdesk_job_duration_seconds_count", **labels) == before + 1


MULTIPROCESS_WORKER = """
from afterdesk.core.observability import HTTP_REQUESTS
HTTP_REQUESTS.labels(method="GET", route="core:healthz", status="2xx").inc()
"""

MULTIPROCESS_SCRAPE = """
import sys
from huey import SqliteHuey
from afterdesk.core.observability import metrics_exposition
huey = SqliteHuey("q", filename=sys.argv[1])
body, _ = metrics_exposition(lambda: huey)
sys.stdout.write(body.decode())
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    """gunicorn's workers each count; a scrape of any one of them sees the sum."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    for _ in range(3):
        subprocess.run([sys.executable, "-c", MULTIPROCESS_WORKER], env=env, check=True)
    done = subprocess.run(
        [sys.executable, "-c", MULTIPROCESS_SCRAPE, str(tmp_path / "q.sqlite3")],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    values = scraped(done.stdout)
    assert values["afterdesk_http_requests_total{GET,core:healthz,2xx}"] == 3
    assert values["afterdesk_task_queue_pending"] == 0


def test_deploy_check_refuses_a_short_metrics_token(settings: Any) -> None:
    settings.AFTERDESK_METRICS_TOKEN = "short"
    assert [message.id for message in metrics_token_check()] == ["afterdesk.E002"]
    settings.AFTERDESK_METRICS_TOKEN = "x" * 64
    assert metrics_token_check() == []
    settings.AFTERDESK_METRICS_TOKEN = ""  # unset: /metrics does not exist, nothing to guard
    assert metrics_token_check() == []
