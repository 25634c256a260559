"""The real periodic tasks on the real consumer (`afterdesk worker`), on both queue storages
(SQLite huey, and Redis huey when REDIS_URL is set): the consumer is SIGKILLed between two
steps of the task (tests/core/pause_app), restarted, and the task's effect has happened
exactly once: the SLA sweep's breaches (and the escalation rule they trigger), a time rule's
action, the CSAT survey emails (docs/deploy.md, "Durable tasks")."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from tests.channels.servers import SmtpServer, running_smtp

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "")
STORAGES = [
    "sqlite",
    pytest.param("redis", marks=pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")),
]


def _env(data_dir: Path, redis_url: str | None, queue: str, **extra: str) -> dict[str, str]:
    drop = {"REDIS_URL", "HUEY_IMMEDIATE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        AFTERDESK_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="tests.core.pause_settings",
        AFTERDESK_TEST_QUEUE=queue,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        **extra,
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def _afterdesk(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "afterdesk.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


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


def _wait(condition: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
    while not condition():
        assert worker.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def _runs_pending(data_dir: Path) -> int:
    rows = _query(data_dir, "SELECT COUNT(*) FROM core_taskrun WHERE done_at IS NULL")
    return int(rows[0][0])  # type: ignore[call-overload]


def _events(data_dir: Path, kind: str) -> list[tuple[object, ...]]:
    """(ticket id, subtype) of each event of `kind`, in order."""
    return _query(
        data_dir,
        "SELECT ticket_id, subtype FROM tickets_ticketevent WHERE kind = ? ORDER BY ticket_id, id",
        kind,
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite database, copied for each test (migrating takes a while)."""
    data_dir = tmp_path_factory.mktemp("migrated")
    _afterdesk(_env(data_dir, None, "unused"), "migrate", "--verbosity", "0")
    return data_dir / "afterdesk.sqlite3"


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"afterdesk-test-{uuid.uuid4().hex}"
    yield name
    if REDIS_URL:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{name}*"))
        if keys:
            client.delete(*keys)


def _data_dir(tmp_path: Path, migrated: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for suffix in ("", "-wal", "-shm"):  # the whole database, whatever is not checkpointed
        if Path(f"{migrated}{suffix}").exists():
            shutil.copy(f"{migrated}{suffix}", data_dir / f"afterdesk.sqlite3{suffix}")
    return data_dir


def _kill_then_restart(
    env: dict[str, str], data_dir: Path, start_code: str, *, seed: str = ""
) -> Callable[[], None]:
    """Seed and queue the periodic task (`start_code`), let the consumer run it to the kill point,
    SIGKILL it, and return a function that restarts the consumer and waits until every
    durable run is done (the test checks what the killed attempt left in between)."""
    log = data_dir / "worker.log"
    if seed:  # what a running desk would have done by now, done at once
        _afterdesk({**env, "HUEY_IMMEDIATE": "1"}, "shell", "-c", seed)
    _afterdesk(env, "shell", "-c", start_code)
    worker = _consumer(env, log)
    try:
        _wait(lambda: (data_dir / "paused").exists(), worker, log)
        worker.send_signal(signal.SIGKILL)  # between two steps of the real task
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()

    def restart() -> None:
        worker = _consumer(env, log)  # its start hands the unfinished runs to the queue again
        try:
            _wait(lambda: _runs_pending(data_dir) == 0, worker, log)
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    return restart


SWEEP_SEED = """
from datetime import timedelta
from django.utils import timezone
from afterdesk.tickets import services
for name in ("AMZ-1", "AMZ-2"):
    services.ticket_create(subject="Where is it?", channel="marketplace", platform="amazon",
        body="?", at=timezone.now() - timedelta(hours=25), external_id=name)
"""


@pytest.mark.parametrize("storage", STORAGES)
def test_the_sla_sweep_killed_midway_writes_each_breach_once(
    tmp_path: Path, storage: str, queue: str, migrated: Path
) -> None:
    data_dir = _data_dir(tmp_path, migrated)
    env = _env(
        data_dir,
        REDIS_URL if storage == "redis" else None,
        queue,
        AFTERDESK_TEST_SET="afterdesk.sla.sweep.BATCH=1",  # one ticket per transaction
        AFTERDESK_TEST_PAUSE_AFTER="afterdesk.sla.sweep.tickets_sweep",
    )
    restart = _kill_then_restart(
        env,
        data_dir,
        SWEEP_SEED + "from afterdesk.sla.tasks import sla_sweep_periodic\nsla_sweep_periodic()",
    )
    # Killed after the first ticket's transaction: its breach is there, the second's not.
    assert len(_events(data_dir, "sla_breach")) == 1
    restart()
    breaches = _events(data_dir, "sla_breach")
    assert [subtype for _ticket, subtype in breaches] == ["first_reply", "first_reply"]
    assert len({ticket for ticket, _subtype in breaches}) == 2
    # The escalation rule the breaches trigger (a durable run queued by the first one before
    # the kill) fired once on each ticket.
    firings = _query(
        data_dir,
        "SELECT ticket_id, COUNT(*) FROM automations_firing WHERE trigger = 'sla_breach' "
        "AND state = 'done' GROUP BY ticket_id",
    )
    assert sorted(count for _ticket, count in firings) == [1, 1]
    assert _query(
        data_dir, "SELECT attempts FROM core_taskrun WHERE name LIKE '%sla_sweep_run'"
    ) == [(2,)]


TIME_RULE_SEED = """
from datetime import timedelta
from django.utils import timezone
from afterdesk.automations.models import Rule
from afterdesk.tickets import services
Rule.objects.create(name="Follow up", trigger="time", time_status="solved", time_hours=1,
    actions=[{"type": "tag", "tags": ["followed-up"]}, {"type": "note", "body": "Followed up."}])
for n in (1, 2):
    ticket = services.ticket_create(subject=f"Case {n}", channel="email", body="?",
        at=timezone.now() - timedelta(hours=3))
    services.ticket_set_status(ticket=ticket, by=None, status="solved",
        at=timezone.now() - timedelta(hours=2))
"""


@pytest.mark.parametrize("storage", STORAGES)
def test_the_time_rules_killed_midway_act_once_on_each_ticket(
    tmp_path: Path, storage: str, queue: str, migrated: Path
) -> None:
    data_dir = _data_dir(tmp_path, migrated)
    env = _env(
        data_dir,
        REDIS_URL if storage == "redis" else None,
        queue,
        AFTERDESK_TEST_PAUSE_AFTER="afterdesk.automations.timerules.rule_fire",
    )
    restart = _kill_then_restart(
        env,
        data_dir,
        TIME_RULE_SEED + "from afterdesk.automations.tasks import automations_time_periodic\n"
        "automations_time_periodic()",
    )
    firings = "SELECT ticket_id FROM automations_firing WHERE trigger = 'time' AND state = 'done'"
    assert len(_query(data_dir, firings)) == 1
    # Restarting also clears the lock the killed run held (the SQLite queue's do not expire).
    restart()
    assert len(_query(data_dir, firings)) == 2
    notes = _query(
        data_dir,
        "SELECT ticket_id, COUNT(*) FROM tickets_message WHERE kind = 'note' "
        "AND body_text = 'Followed up.' GROUP BY ticket_id",
    )
    assert sorted(count for _ticket, count in notes) == [1, 1]
    automation = _query(
        data_dir,
        "SELECT ticket_id, COUNT(*) FROM tickets_ticketevent WHERE kind = 'automation' "
        "GROUP BY ticket_id",
    )
    assert sorted(count for _ticket, count in automation) == [1, 1]


SURVEY_SEED = """
import os
from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import MailboxConnection
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.surveys.models import SurveySettings
from afterdesk.tickets import services
from tests.channels.helpers import mail
settings = SurveySettings.load()
settings.enabled, settings.delay_hours = True, 0
settings.save()
box = Mailbox.objects.create(name="Shop Support", address="support@shop.example")
connection = MailboxConnection(mailbox=box, smtp_host="127.0.0.1",
    smtp_port=int(os.environ["TEST_SMTP_PORT"]), smtp_security="none", smtp_username="desk")
connection.set_password("smtp", "s3cret smtp")
connection.save()
agent = User.objects.create(username="anna")
for n in (1, 2):
    raw = mail(sender=f"Buyer {n} <buyer{n}@example.net>", subject=f"Parcel {n}",
        body="It has not arrived.", message_id=f"<m{n}@buyer.example>")
    ticket = email_ingest(raw, source="imap", mailbox=box).inbound.ticket
    services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    services.message_reply(ticket=ticket, by=agent, body="It arrives tomorrow.", status="solved")
"""


def _surveys_received(server: SmtpServer) -> list[str]:
    """The recipient of each survey email the SMTP server accepted."""
    return sorted(
        recipient
        for envelope in server.received
        if b"Subject: How did we do?" in (envelope.original_content or b"")
        for recipient in envelope.rcpt_tos
    )


@pytest.mark.parametrize("storage", STORAGES)
def test_the_survey_run_killed_midway_sends_each_survey_once(
    tmp_path: Path, storage: str, queue: str, migrated: Path
) -> None:
    data_dir = _data_dir(tmp_path, migrated)
    with running_smtp() as server:
        env = _env(
            data_dir,
            REDIS_URL if storage == "redis" else None,
            queue,
            AFTERDESK_TEST_PAUSE_AFTER="afterdesk.surveys.services.sending.survey_send",
            TEST_SMTP_PORT=str(server.port),
        )
        restart = _kill_then_restart(
            env,
            data_dir,
            "from afterdesk.surveys.tasks import surveys_periodic\nsurveys_periodic()",
            seed=SURVEY_SEED,
        )
        # Killed after the first survey went out and was marked sent, before the second.
        assert len(_surveys_received(server)) == 1
        restart()
        assert _surveys_received(server) == ["buyer1@example.net", "buyer2@example.net"]
    states = _query(data_dir, "SELECT state, attempts FROM surveys_survey ORDER BY id")
    assert states == [("sent", 1), ("sent", 1)]
