"""Prometheus metrics of the running service (README "Configuration", `/metrics`).

What is measured, all prefixed `afterdesk_`:

- `http_requests_total` and `http_request_duration_seconds` (a histogram), by method, route
  (the URL pattern's name, `unmatched` for a 404 no pattern matched: bounded label values) and
  status class (`2xx`…`5xx`), from `RequestMetricsMiddleware`;
- `task_queue_pending`, the tasks waiting in huey's queue, and `task_queue_up` (1 or 0), read
  when the metrics are scraped;
- `task_failures_total` by task name: a task that raised or timed out (huey's signals, in the
  process that runs the consumer);
- `job_duration_seconds` by job and outcome (`ok`, `error`): the long jobs of the apps above
  (history import, alert sweep), recorded through `duration_recorded`, so core stays the bottom
  layer: the apps call down into it.

With several processes (gunicorn workers, `afterdesk worker` on the same machine) set
`PROMETHEUS_MULTIPROC_DIR` to an empty folder writable by all of them, the same for all, emptied
before they start: prometheus_client then keeps every process's values in files there and a
scrape adds them up (its "multiprocess mode").
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"

HTTP_REQUESTS = Counter(
    "afterdesk_http_requests_total",
    "HTTP requests answered, by method, route name and status class.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "afterdesk_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route name and status class.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TASK_FAILURES = Counter(
    "afterdesk_task_failures_total",
    "Background tasks that raised an exception or timed out, by task name.",
    ["task"],
)
JOB_DURATION = Histogram(
    "afterdesk_job_duration_seconds",
    "Duration of long jobs (history import, alert sweep), by job and outcome.",
    ["job", "outcome"],
    buckets=(0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0),
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def duration_recorded(job: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a long job so that each run's duration lands in `job_duration_seconds`."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def timed(*args: P.args, **kwargs: P.kwargs) -> R:
            started = time.perf_counter()
            outcome = "error"
            try:
                result = function(*args, **kwargs)
                outcome = "ok"
                return result
            finally:
                JOB_DURATION.labels(job=job, outcome=outcome).observe(time.perf_counter() - started)

        return timed

    return decorate


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED_ROUTE
    return match.view_name or match.route or UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    """Counts and times every request; first in MIDDLEWARE, so it sees every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = self.get_response(request)
            status = response.status_code
            return response
        finally:
            method = request.method if request.method in HTTP_METHODS else "other"
            labels = {
                "method": method or "other",
                "route": route_of(request),
                "status": f"{status // 100}xx",
            }
            HTTP_REQUESTS.labels(**labels).inc()
            HTTP_REQUEST_DURATION.labels(**labels).observe(time.perf_counter() - started)


def task_failure_record(signal: str, task: Any, exc: BaseException | None = None) -> None:
    TASK_FAILURES.labels(task=getattr(task, "name", "unknown")).inc()


def task_failures_watch(huey: Any) -> None:
    """Count `huey`'s failed tasks (called once, from core's AppConfig.ready)."""
    from huey.signals import SIGNAL_ERROR, SIGNAL_TIMEOUT

    huey.signal(SIGNAL_ERROR, SIGNAL_TIMEOUT)(task_failure_record)


class TaskQueueCollector(Collector):
    """The queue's depth, read from its storage (SQLite or Redis) at scrape time."""

    def __init__(self, huey_of: Callable[[], Any]) -> None:
        self.huey_of = huey_of

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "afterdesk_task_queue_up", "1 when the task queue's storage answered the scrape."
        )
        try:
            pending = int(self.huey_of().pending_count())
        except Exception:
            logger.warning("metrics: the task queue did not answer", exc_info=True)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "afterdesk_task_queue_pending", "Tasks waiting in the queue.", value=pending
        )


def metrics_exposition(huey_of: Callable[[], Any]) -> tuple[bytes, str]:
    """The text a scrape gets, and its content type: this process's metrics (or, in
    multiprocess mode, every process's, added up) and the queue's depth."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)  # a registry is a collector too
    registry.register(TaskQueueCollector(huey_of))
    return generate_latest(registry), CONTENT_TYPE_LATEST
