"""The real consumer (`afterdesk worker`) killed mid-task, on both queue storages: the durable
run is delivered again when a consumer starts and its effect is committed exactly once
(afterdesk.core.durable; docs/deploy.md, "Durable tasks")."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_TEST_URL = "redis://127.0.0.1:6379/13"  # a database number no other test uses


def _env(data_dir: Path, redis_url: str | None, queue: str) -> dict[str, str]:
    drop = {"REDIS_URL", "HUEY_IMMEDIATE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        AFTERDESK_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="tests.core.worker_settings",
        AFTERDESK_TEST_QUEUE=queue,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _afterdesk(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "afterdesk.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )


def _enqueue(env: dict[str, str], code: str) -> None:
    setup = (
        "from django.db import transaction\n"
        "from afterdesk.core.durable import durable_enqueue\n"
        "from tests.core.worker_app.tasks import effect_task\n"
    )
    _afterdesk(env, "shell", "-c", setup + code)


def _consumer(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "afterdesk.cli", "worker", "--workers", "1", "--no-periodic"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _query(data_dir: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "afterdesk.sqlite3", timeout=30) as db:
        return db.execute(sql, params).fetchall()


def _wait(condition: object, worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while not condition():  # type: ignore[operator]
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def _run_state(data_dir: Path, key: str) -> tuple[object, ...]:
    return _query(data_dir, "SELECT attempts, done_at FROM core_taskrun WHERE key = ?", key)[0]


def _effects(data_dir: Path, label: str) -> int:
    rows = _query(data_dir, "SELECT COUNT(*) FROM worker_app_effect WHERE label = ?", label)
    return int(rows[0][0])  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database, copied for each test (migrating takes a while)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    _afterdesk(_env(data_dir, None, "unused"), "migrate", "--verbosity", "0")
    return data_dir / "afterdesk.sqlite3"


@pytest.fixture
def redis_queue() -> Iterator[str]:
    queue = f"afterdesk-test-{uuid.uuid4().hex}"
    yield queue
    client = redis.Redis.from_url(REDIS_TEST_URL)
    keys = list(client.scan_iter(f"*{queue}*"))
    if keys:
        client.delete(*keys)


@pytest.mark.parametrize("storage", ["sqlite", "redis"])
def test_a_task_killed_midway_is_retried_and_its_effect_happens_once(
    tmp_path: Path, storage: str, redis_queue: str, migrated: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for suffix in ("", "-wal", "-shm"):  # the whole database, whatever is not checkpointed
        if Path(f"{migrated}{suffix}").exists():
            shutil.copy(f"{migrated}{suffix}", data_dir / f"afterdesk.sqlite3{suffix}")
    env = _env(data_dir, REDIS_TEST_URL if storage == "redis" else None, redis_queue)
    _enqueue(env, "with transaction.atomic(): durable_enqueue(effect_task, key='k1', label='once')")
    log = data_dir / "worker.log"

    worker = _consumer(env, log)
    try:
        _wait(lambda: (data_dir / "started-once-1").exists(), worker, log)
        worker.send_signal(signal.SIGKILL)  # mid-task: its effect row is not committed
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert _effects(data_dir, "once") == 0
    assert _run_state(data_dir, "k1") == (1, None)

    worker = _consumer(env, log)  # its start hands the unfinished run to the queue again
    try:
        _wait(lambda: _run_state(data_dir, "k1")[1] is not None, worker, log)
        assert (data_dir / "started-once-2").exists()
        assert _effects(data_dir, "once") == 1
        # A repeated delivery of the done run, then a new run: one worker takes them in
        # order, so once the new run is done the repeat has been handled, and did nothing.
        (data_dir / "started-next-1").touch()  # the new run does not sleep
        _enqueue(
            env,
            "effect_task(run_key='k1')\n"
            "with transaction.atomic(): durable_enqueue(effect_task, key='k2', label='next')\n"
            "with transaction.atomic(): durable_enqueue(effect_task, key='k1', label='once')",
        )
        _wait(lambda: _run_state(data_dir, "k2")[1] is not None, worker, log)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert _effects(data_dir, "once") == 1
    assert _effects(data_dir, "next") == 1
    assert _run_state(data_dir, "k1")[0] == 2
    assert not (data_dir / "started-once-3").exists()
