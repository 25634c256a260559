"""`afterdesk serve` as a user runs it: migrates a new database, serves pages, runs tasks; the
demo data (published passwords) only when asked for."""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_env(data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in ("DATABASE_URL", "REDIS_URL", "HUEY_IMMEDIATE", "DJANGO_SETTINGS_MODULE", "DEBUG")
    }
    env["AFTERDESK_DATA_DIR"] = str(data_dir)
    return env


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="serve's own database is the SQLite default here",
)
def test_serve_migrates_and_answers_without_loading_the_demo(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "afterdesk.cli", "serve", "--port", str(port)],
        env={**_serve_env(tmp_path), "AFTERDESK_METRICS_TOKEN": "scrape-me"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/") as page:
                    status = page.status
                    body = page.read().decode()
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.5)
        assert status == 200
        assert 'name="username"' in body
        assert (tmp_path / "afterdesk.sqlite3").exists()
        assert (tmp_path / "huey.sqlite3").exists()
        # An empty database stays empty: no user with the demo's published password.
        with sqlite3.connect(tmp_path / "afterdesk.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM accounts_user").fetchone() == (0,)
        # The operators' endpoints through the real server: no login for the probe, the token
        # for the scraper.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as probe:
            assert json.loads(probe.read()) == {"status": "ok"}
        scrape = urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer scrape-me"}
        )
        with urllib.request.urlopen(scrape) as metrics:  # noqa: S310 - http, built here
            text = metrics.read().decode()
        assert (
            'afterdesk_http_requests_total{method="GET",route="core:healthz",status="2xx"} 1.0'
            in text
        )
        # The storage answered and the depth is a count. Not necessarily 0: the consumer's
        # scheduler enqueues the periodic tasks at each minute's start, and a scrape can land
        # before the consumer has taken them.
        assert "afterdesk_task_queue_up 1.0" in text
        assert re.search(r"^afterdesk_task_queue_pending \d+\.0$", text, re.MULTILINE)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_refuses_the_demo_with_debug_off(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "afterdesk.cli", "serve", "--demo", "--port", str(free_port())],
        env=_serve_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "Refusing to load the demo data: DEBUG is off" in done.stderr
    assert not (tmp_path / "afterdesk.sqlite3").exists()  # stopped before migrating
