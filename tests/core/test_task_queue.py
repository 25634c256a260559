"""The task queue works on both storages the settings can select: SQLite and Redis."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from huey.api import Huey


def _round_trip(huey: Huey) -> None:
    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(2, 3)
    assert huey.pending_count() == 1
    task = huey.dequeue()
    assert task is not None
    huey.execute(task)
    assert result.get() == 5


def test_sqlite_storage_round_trip(tmp_path: Path) -> None:
    _round_trip(SqliteHuey("afterdesk-test", filename=str(tmp_path / "huey.sqlite3")))


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set (CI sets it)")
def test_redis_storage_round_trip() -> None:
    huey = RedisHuey(f"afterdesk-test-{uuid.uuid4().hex}", url=os.environ["REDIS_URL"])
    try:
        _round_trip(huey)
    finally:
        huey.storage.flush_all()


def test_settings_select_redis_when_redis_url_is_set() -> None:
    import subprocess
    import sys

    code = "from afterdesk import settings; print(settings.HUEY['huey_class'])"
    env = {**os.environ, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "huey.RedisHuey"
    env.pop("REDIS_URL")
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "huey.SqliteHuey"
