"""A bearer token's last use is bookkeeping: on a SQLite file database whose write lock
another process holds, the request still succeeds, without waiting the busy timeout, and the
failed write is logged. And the busy timeout of settings.py applies to every connection.

The suite's own database lives in memory, where SQLite locks differently; these tests swap
the default connection for one to a migrated database file (the same OPTIONS)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

from afterdesk.accounts.models import ApiToken, User
from afterdesk.accounts.services import TOKEN_USE_LOCK_WAIT_MS, api_token_create
from tests.api.conftest import ApiClient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite's write lock",
    ),
]

BUSY_TIMEOUT_MS = round(settings.AFTERDESK_SQLITE_BUSY_TIMEOUT * 1000)  # settings.py


def busy_timeout(conn: object) -> int:
    return int(conn.execute("PRAGMA busy_timeout").fetchone()[0])  # type: ignore[attr-defined]


@pytest.fixture
def database_file(tmp_path: Path) -> Iterator[Path]:
    original = connections["default"]
    path = tmp_path / "afterdesk.sqlite3"
    swapped = original.__class__({**original.settings_dict, "NAME": str(path)}, alias="default")
    connections["default"] = swapped
    try:
        call_command("migrate", interactive=False, verbosity=0)
        yield path
    finally:
        swapped.close()
        connections["default"] = original


def test_a_bearer_request_succeeds_while_another_process_holds_the_write_lock(
    database_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    user = User.objects.create(username="anna")
    token, raw = api_token_create(user=user, name="busy client")
    other = sqlite3.connect(database_file, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="afterdesk.accounts.services"):
            response = ApiClient(raw).get("/api/me")
        waited = time.monotonic() - started
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert response.status_code == 200, response.content
    assert response.json()["username"] == "anna"
    # it gave up on the lock after its own short wait, not the busy timeout
    assert waited < BUSY_TIMEOUT_MS / 1000 / 2
    assert "last use was not recorded" in caplog.text
    assert "database is locked" in caplog.text
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None
    # the connection is back to the busy timeout of settings.py for the request's own writes
    assert busy_timeout(connection.connection) == BUSY_TIMEOUT_MS

    # once the lock is free, the next request records the use
    assert ApiClient(raw).get("/api/me").status_code == 200
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_the_short_wait_still_waits_for_a_lock_released_in_time(database_file: Path) -> None:
    """A write lock held briefly (shorter than TOKEN_USE_LOCK_WAIT_MS) does not lose the use."""
    user = User.objects.create(username="anna")
    token, raw = api_token_create(user=user, name="busy client")
    other = sqlite3.connect(database_file, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(TOKEN_USE_LOCK_WAIT_MS / 1000 / 4, other.execute, ["ROLLBACK"])
    release.start()
    try:
        assert ApiClient(raw).get("/api/me").status_code == 200
    finally:
        release.join()
        other.close()
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_every_connection_gets_the_busy_timeout_of_settings(database_file: Path) -> None:
    """The timeout is the settings' init_command, run on each new connection (Python's own
    sqlite3 default would be 5 s): this thread's, a reopened one, and another thread's."""
    connection.ensure_connection()
    assert busy_timeout(connection.connection) == BUSY_TIMEOUT_MS
    connection.close()
    connection.ensure_connection()
    assert busy_timeout(connection.connection) == BUSY_TIMEOUT_MS

    seen: list[int] = []

    def in_another_thread() -> None:
        other = connections["default"]  # a new connection of this thread
        try:
            other.ensure_connection()
            seen.append(busy_timeout(other.connection))
        finally:
            other.close()

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert seen == [BUSY_TIMEOUT_MS]
