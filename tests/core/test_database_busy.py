"""SQLite under load: a write waits for the write lock another process holds, up to the busy
timeout (`AFTERDESK_SQLITE_BUSY_TIMEOUT`); when the lock outlasts it, the request answers 503
with Retry-After (JSON under /api/, a page otherwise) and writes nothing, and the alert sweep
is retried later. Never a 500.

The suite's own database lives in memory, where SQLite locks differently: these tests swap the
default connection for one to a migrated database file, with the OPTIONS of settings.py and a
busy timeout made short through `sqlite_init_command`; a second sqlite3 connection (as another
process would) holds `BEGIN IMMEDIATE`."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.alerts.tasks import SWEEP_RETRIES, SWEEP_RETRY_DELAY, alerts_sweep_periodic
from afterdesk.core.database_busy import RETRY_AFTER_SECONDS
from afterdesk.settings import sqlite_init_command
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import T0, TeamFactory, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite's write lock",
    ),
]

SHORT_BUSY_TIMEOUT = 0.3  # seconds: the lock "outlasts the busy timeout" quickly
ROOM_BUSY_TIMEOUT = 5.0  # seconds: enough for a lock released after LOCK_HELD
LOCK_HELD = 0.6


@pytest.fixture
def database_file(tmp_path: Path) -> Iterator[Callable[[float], Path]]:
    """Swaps the default connection for a migrated database file; call it with the busy
    timeout (seconds) to give the connection."""
    original = connections["default"]
    swapped: list[object] = []

    def make(busy_timeout: float) -> Path:
        path = tmp_path / "afterdesk.sqlite3"
        options = {
            **original.settings_dict["OPTIONS"],
            "init_command": sqlite_init_command(busy_timeout),
        }
        connection = original.__class__(
            {**original.settings_dict, "NAME": str(path), "OPTIONS": options}, alias="default"
        )
        connections["default"] = connection
        swapped.append(connection)
        call_command("migrate", interactive=False, verbosity=0)
        return path

    try:
        yield make
    finally:
        for connection in swapped:
            connection.close()  # type: ignore[attr-defined]
        connections["default"] = original


@contextmanager
def write_lock_held(path: Path, *, release_after: float | None = None) -> Iterator[None]:
    """Another connection holds the database's write lock (BEGIN IMMEDIATE) for the block,
    or until `release_after` seconds have passed."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(release_after, other.execute, ["ROLLBACK"]) if release_after else None
    if release:
        release.start()
    try:
        yield
    finally:
        if release:
            release.join()
        else:
            other.execute("ROLLBACK")
        other.close()


def a_ticket_and_its_agent() -> tuple[Ticket, User]:
    team = TeamFactory(name="EU")
    agent = cast(User, UserFactory(username="anna", role=Role.AGENT, teams=[team]))
    ticket = services.ticket_create(
        subject="Where is my parcel?", channel="email", body="Three weeks.", at=T0
    )
    services.ticket_assign(ticket=ticket, by=None, agent=None, team=team, at=T0)  # type: ignore[arg-type]
    return ticket, agent


def stored(ticket: Ticket) -> tuple[int, int, str]:
    ticket.refresh_from_db()
    return (
        Message.objects.filter(ticket=ticket).count(),
        TicketEvent.objects.filter(ticket=ticket).count(),
        ticket.status,
    )


def test_an_api_reply_waits_for_a_lock_released_within_the_busy_timeout(
    database_file: Callable[[float], Path],
) -> None:
    path = database_file(ROOM_BUSY_TIMEOUT)
    ticket, agent = a_ticket_and_its_agent()
    _token, raw = api_token_create(user=agent, name="busy client")
    before = stored(ticket)
    with write_lock_held(path, release_after=LOCK_HELD):
        started = time.monotonic()
        response = ApiClient(raw).post(f"/api/tickets/{ticket.pk}/reply", {"body": "On its way."})
        waited = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert waited >= LOCK_HELD * 0.9  # it waited for the lock, then wrote
    assert stored(ticket)[0] == before[0] + 1
    assert Message.objects.filter(ticket=ticket, body_text="On its way.").count() == 1


def test_an_api_reply_answers_503_with_retry_after_when_the_lock_outlasts_the_busy_timeout(
    database_file: Callable[[float], Path],
) -> None:
    path = database_file(SHORT_BUSY_TIMEOUT)
    ticket, agent = a_ticket_and_its_agent()
    _token, raw = api_token_create(user=agent, name="busy client")
    before = stored(ticket)
    with write_lock_held(path):
        response = ApiClient(raw).post(
            f"/api/tickets/{ticket.pk}/reply", {"body": "On its way.", "status": "solved"}
        )
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json")
    assert "nothing was saved" in response.json()["message"]
    assert stored(ticket) == before  # no message, no event, the status unchanged

    # the lock free again, the same request goes through
    again = ApiClient(raw).post(f"/api/tickets/{ticket.pk}/reply", {"body": "On its way."})
    assert again.status_code == 201, again.content


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Busy, please try again"), ("zh-hans", "系统繁忙，请稍后重试")]
)
def test_the_reply_form_answers_a_503_page_when_the_lock_outlasts_the_busy_timeout(
    database_file: Callable[[float], Path], language: str, heading: str
) -> None:
    path = database_file(SHORT_BUSY_TIMEOUT)
    ticket, agent = a_ticket_and_its_agent()
    client = Client(headers={"Accept-Language": language})
    client.force_login(agent)
    before = stored(ticket)
    with write_lock_held(path):
        response = client.post(
            f"/tickets/{ticket.pk}/reply/", {"body": "On its way.", "status": "solved"}
        )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert heading in response.content.decode()
    assert stored(ticket) == before

    again = client.post(f"/tickets/{ticket.pk}/reply/", {"body": "On its way.", "status": ""})
    assert again.status_code == 302


def test_the_alert_sweep_is_retried_when_the_lock_outlasts_the_busy_timeout(
    database_file: Callable[[float], Path],
) -> None:
    path = database_file(SHORT_BUSY_TIMEOUT)
    task = alerts_sweep_periodic.s()
    HUEY.storage.flush_schedule()
    try:
        with write_lock_held(path):
            HUEY.execute(task)  # as the consumer runs it: the error is caught and logged
        retried = [t for t in HUEY.scheduled() if t.id == task.id]
        assert len(retried) == 1, "the failed sweep was not scheduled again"
        assert retried[0].retries == SWEEP_RETRIES - 1
        due_in = (retried[0].eta - timezone.now().replace(tzinfo=None)).total_seconds()
        assert SWEEP_RETRY_DELAY - 10 <= due_in <= SWEEP_RETRY_DELAY + 1

        # a minute later the consumer takes it from the schedule and, the lock free, it sweeps
        due = retried[0].eta
        assert [t.id for t in HUEY.read_schedule(due)] == [task.id]
        assert HUEY.execute(retried[0], timestamp=due) == 0  # alerts created: none to make
        assert HUEY.scheduled() == []
    finally:
        HUEY.storage.flush_schedule()


def test_the_busy_timeout_is_a_setting(tmp_path: Path) -> None:
    """AFTERDESK_SQLITE_BUSY_TIMEOUT (seconds) is each connection's busy timeout; the default
    outlasts a 20,000-ticket history import's hold of the write lock (10–16 s measured,
    docs/benchmarks.md), where the former 10 s did not."""
    script = (
        "import django; django.setup()\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"
        "print(connection.connection.execute('PRAGMA busy_timeout').fetchone()[0])\n"
    )

    def busy_timeout_ms(**environ: str) -> int:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "AFTERDESK_SQLITE_BUSY_TIMEOUT"}
        }
        env |= {"DJANGO_SETTINGS_MODULE": "afterdesk.settings", "AFTERDESK_DATA_DIR": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env | environ,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(done.stdout.strip())

    assert busy_timeout_ms(AFTERDESK_SQLITE_BUSY_TIMEOUT="2.5") == 2500
    assert busy_timeout_ms() == settings.AFTERDESK_SQLITE_BUSY_TIMEOUT * 1000
    # longer than the import holds the lock, shorter than gunicorn's --timeout (docs/deploy.md)
    assert 20 <= settings.AFTERDESK_SQLITE_BUSY_TIMEOUT < 60
