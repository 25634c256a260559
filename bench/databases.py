"""The throwaway databases the benchmarks run against."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/afterdesk_bench"


class BenchError(Exception):
    pass


def is_bench_name(name: str) -> bool:
    """A benchmark database: `…_bench`, or `…_bench_<who>` (one per benchmark run side by
    side, e.g. `afterdesk_bench_pages`)."""
    return name.endswith("_bench") or "_bench_" in name


@dataclass(frozen=True)
class BenchDatabase:
    backend: str  # "sqlite" or "postgres"
    url: str
    out: Path  # folder for the child's data dir (huey file, SQLite database)
    file: Path | None = None  # the SQLite database file

    @classmethod
    def sqlite(cls, out: Path) -> BenchDatabase:
        path = (out / "sqlite" / "bench.sqlite3").resolve()
        return cls("sqlite", f"sqlite:///{path}", out / "sqlite", file=path)

    @classmethod
    def postgres(cls, out: Path, url: str = DEFAULT_POSTGRES_URL) -> BenchDatabase:
        name = urlsplit(url).path.lstrip("/")
        if not is_bench_name(name):
            # The benchmark drops and recreates its database: never a user's database.
            raise BenchError(
                f"the PostgreSQL benchmark database must end in _bench or hold _bench_, "
                f"not {name!r}"
            )
        return cls("postgres", url, out / "postgres")

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def reset(self) -> None:
        """An empty database, migrated."""
        self.out.mkdir(parents=True, exist_ok=True)
        if self.file is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.file}{suffix}").unlink(missing_ok=True)
        else:
            import psycopg

            with psycopg.connect(_maintenance_url(self.url), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{self.name}"')
        self.run_worker(["migrate"])

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.url,
            AFTERDESK_DATA_DIR=str(self.out.resolve()),
            DJANGO_SETTINGS_MODULE="afterdesk.settings",
            LOG_LEVEL="WARNING",
        )
        return env

    def run_worker(self, args: list[str], timeout: float = 3600) -> str:
        """Run `afterdesk bench _worker ARGS` against this database; return its stdout."""
        command = [sys.executable, "-m", "afterdesk.cli", "bench", "_worker", *args]
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            command, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise BenchError(f"worker {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


def postgres_reachable(url: str = DEFAULT_POSTGRES_URL) -> bool:
    try:
        import psycopg

        with psycopg.connect(_maintenance_url(url), connect_timeout=3):
            return True
    except Exception:  # any failure means "not available"
        return False
