"""`afterdesk worker` as docs/deploy.md runs it: one worker keeps the schedule (the alert sweep
every 15 minutes), the others run with --no-periodic and only take queued tasks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def worker_log(data_dir: Path, *args: str) -> str:
    """Start `afterdesk worker ARGS` on a SQLite queue in `data_dir`, read its start-up log."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "HUEY_IMMEDIATE", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env["AFTERDESK_DATA_DIR"] = str(data_dir)
    log = data_dir / "worker.log"
    data_dir.mkdir()
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "afterdesk.cli", "worker", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while "Periodic tasks are" not in log.read_text():
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    return log.read_text()


@pytest.mark.parametrize(("args", "state"), [((), "enabled"), (("--no-periodic",), "disabled")])
def test_only_one_worker_need_keep_the_schedule(
    tmp_path: Path, args: tuple[str, ...], state: str
) -> None:
    log = worker_log(tmp_path / "data", *args)
    assert f"Periodic tasks are {state}." in log
    assert "alerts_sweep_periodic" in log  # the consumer knows the task either way
