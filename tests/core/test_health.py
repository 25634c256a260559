"""`/healthz`: ok when the database and the task queue answer, failing (503) when one does not;
no login, no details. Real SQLite/PostgreSQL, real SQLite and Redis queues."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler
from django.test import Client
from huey import RedisHuey, SqliteHuey
from huey.contrib import djhuey
from redis import ConnectionPool

from afterdesk.core.health import database_reachable, task_queue_reachable

REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_answers(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def redis_huey() -> Iterator[RedisHuey]:
    huey = RedisHuey(f"afterdesk-health-{uuid.uuid4().hex}", url=REDIS_TEST_URL)
    try:
        yield huey
    finally:
        huey.storage.flush_all()


def _use_queue(monkeypatch: pytest.MonkeyPatch, huey: Any) -> None:
    """The app's queue is this real one for the test (settings build it once, at import)."""
    monkeypatch.setattr(djhuey, "HUEY", huey)


def _health(client: Client) -> tuple[int, Any]:
    response = client.get("/healthz")
    return response.status_code, json.loads(response.content)


@pytest.mark.django_db
def test_healthz_ok_without_login_on_the_sqlite_queue(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_queue(monkeypatch, SqliteHuey("afterdesk-health", filename=str(tmp_path / "q.sqlite3")))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}  # nothing more
    assert "no-cache" in response["Cache-Control"]


@needs_redis
@pytest.mark.django_db
def test_healthz_ok_on_the_redis_queue(
    client: Client, monkeypatch: pytest.MonkeyPatch, redis_huey: RedisHuey
) -> None:
    _use_queue(monkeypatch, redis_huey)
    assert _health(client) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_healthz_failing_when_redis_does_not_answer(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use_queue(
        monkeypatch, RedisHuey("afterdesk-health", url=f"redis://127.0.0.1:{closed_port()}/14")
    )
    assert _health(client) == (503, {"status": "failing"})


@pytest.mark.django_db
def test_healthz_failing_when_the_sqlite_queue_cannot_open(
    client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "queue"
    folder.mkdir()
    huey = SqliteHuey("afterdesk-health", filename=str(folder / "q.sqlite3"))
    _use_queue(monkeypatch, huey)
    assert _health(client) == (200, {"status": "ok"})
    huey.storage.close()
    shutil.rmtree(folder)  # the data folder is gone (unmounted, deleted)
    assert _health(client) == (503, {"status": "failing"})


@pytest.mark.django_db
def test_healthz_keeps_the_host_check(client: Client) -> None:
    assert client.get("/healthz", HTTP_HOST="evil.example").status_code == 400


@pytest.mark.django_db
def test_healthz_answers_only_reads(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_database_reachable_on_the_test_database() -> None:
    assert database_reachable()


def test_database_unreachable_postgresql_on_a_closed_port() -> None:
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "afterdesk",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": str(closed_port()),
                "OPTIONS": {"connect_timeout": 5},
            }
        }
    )
    try:
        assert not database_reachable(handler["default"])
    finally:
        handler.close_all()


def test_database_unreachable_sqlite_file_that_cannot_open(tmp_path: Path) -> None:
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(tmp_path / "no-such-folder" / "db.sqlite3"),
            }
        }
    )
    try:
        assert not database_reachable(handler["default"])
    finally:
        handler.close_all()


def test_task_queue_reachable_on_sqlite(tmp_path: Path) -> None:
    assert task_queue_reachable(SqliteHuey("q", filename=str(tmp_path / "q.sqlite3")))


@needs_redis
def test_task_queue_reachable_on_redis(redis_huey: RedisHuey) -> None:
    assert task_queue_reachable(redis_huey)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections (the kernel's backlog) and never answers: a Redis
    that hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


def test_a_redis_that_never_answers_fails_the_check_instead_of_hanging_it(
    silent_server: int,
) -> None:
    pool = ConnectionPool.from_url(
        f"redis://127.0.0.1:{silent_server}/14", socket_connect_timeout=0.5, socket_timeout=0.5
    )
    huey = RedisHuey("afterdesk-health", connection_pool=pool)
    assert not task_queue_reachable(huey)


def test_the_redis_queue_of_the_settings_has_socket_timeouts() -> None:
    """Without them, a Redis that stops answering hangs every health check (and task call)."""
    code = (
        "import django; django.setup(); from huey.contrib.djhuey import HUEY; "
        "kwargs = HUEY.storage.pool.connection_kwargs; "
        "print(kwargs.get('socket_connect_timeout'), kwargs.get('socket_timeout'))"
    )
    env = {
        **os.environ,
        "REDIS_URL": REDIS_TEST_URL,
        "DJANGO_SETTINGS_MODULE": "afterdesk.settings",
        "HUEY_IMMEDIATE": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    connect, read = (float(value) for value in done.stdout.split())
    assert 0 < connect <= 10
    assert 1 < read <= 10  # above huey's 1 s blocking read


@pytest.mark.django_db
def test_healthz_and_metrics_answer_while_the_login_is_locked(
    client: Client, settings: Any, agent: Any
) -> None:
    """A probe shares the proxy's address with locked-out sign-ins: it is not locked out."""
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    settings.AFTERDESK_METRICS_TOKEN = "t"
    for n in range(3):
        client.post("/accounts/login/", {"username": agent.username, "password": f"no-{n}"})
    assert (
        client.post(
            "/accounts/login/", {"username": agent.username, "password": "again"}
        ).status_code
        == 429
    )
    assert _health(client)[0] == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").status_code == 200


def test_a_postgresql_that_never_answers_fails_the_check_instead_of_hanging_it(
    silent_server: int,
) -> None:
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "afterdesk",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": str(silent_server),
                "OPTIONS": {"connect_timeout": 1},
            }
        }
    )
    try:
        assert not database_reachable(handler["default"])
    finally:
        handler.close_all()


def test_the_postgresql_database_of_the_settings_has_a_connect_timeout() -> None:
    """Without it, a PostgreSQL that stops answering hangs every health check (and page)."""
    code = "from afterdesk import settings; print(settings.DATABASES['default']['OPTIONS'])"
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/afterdesk"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "{'connect_timeout': 5}"
    env["DATABASE_URL"] += "?connect_timeout=9"  # the operator's own value wins
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "{'connect_timeout': 9}"
