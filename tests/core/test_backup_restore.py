"""Backups restore (docs/deploy.md, "Backups and restore"), run exactly as the doc says: the real
`afterdesk` command in subprocesses, each with its own data directory (and, on PostgreSQL, its
own database): `afterdesk backup DEST` on a desk with tickets and an attachment, then
`afterdesk restore DEST` into a new data directory gives the same history export byte for byte,
the same attachment bytes and the same secret key, and the restored desk takes new changes."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENV_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = ENV_URL.startswith("postgres")
# A small real PDF: attachments are checked by their content.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

ADD_ATTACHMENT = """
from django.core.files.uploadedfile import SimpleUploadedFile
from afterdesk.accounts.models import User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
# An internal note: a reply on a marketplace ticket takes only what the platform allows.
ticket = Ticket.objects.exclude(status="closed").order_by("id").first()
upload = SimpleUploadedFile("label.pdf", bytes.fromhex("{hex}"), content_type="application/pdf")
event = services.note_add(
    ticket=ticket, by=User.objects.get(username="admin"), body="{body}", attachments=[upload]
)
print(event.message.attachments.get().token)
"""
ADD_MAILBOX = """
from afterdesk.channels.services.mailboxes import mailbox_save
changes = {{"name": "S", "address": "s@shop.example", "smtp_password": "{password}"}}
mailbox_save(mailbox=None, changes=changes)
print("ok")
"""
READ_MAILBOX_PASSWORD = """
from afterdesk.channels.mailbox_models import MailboxConnection
print(MailboxConnection.objects.get().password("smtp"))
"""
READ_ATTACHMENT = """
from afterdesk.tickets.models import Attachment
with Attachment.objects.get(token="{token}").file.open("rb") as handle:
    print(handle.read().hex())
"""


class Desk:
    """One installation: a data directory and a database URL (None: SQLite in the folder)."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DEBUG"}
        }
        env["AFTERDESK_DATA_DIR"] = str(self.data_dir)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        done = subprocess.run(
            [sys.executable, "-m", "afterdesk.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check:
            assert done.returncode == 0, f"afterdesk {' '.join(args)}:\n{done.stderr}"
        return done

    def shell(self, code: str) -> str:
        return self.run("shell", "-c", code).stdout.strip().splitlines()[-1]

    def export(self, path: Path) -> bytes:
        self.run("history", "export", str(path))
        return path.read_bytes()


def postgres_url(name: str) -> str:
    """A fresh, empty database `<the suite's database>_<name>` beside DATABASE_URL's."""
    import psycopg

    parts = urlsplit(ENV_URL)
    database = f"{parts.path.lstrip('/') or 'afterdesk'}_{name}"
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{database}"')
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not ON_POSTGRES:
        pytest.skip("the PostgreSQL restore runs when DATABASE_URL names PostgreSQL (CI does)")
    return str(request.param)


def new_desk(tmp_path: Path, name: str, backend: str) -> Desk:
    url = postgres_url(f"backup_{name}") if backend == "postgresql" else None
    return Desk(tmp_path / name, url)


def test_a_backup_restores_the_history_the_attachments_and_the_key(
    tmp_path: Path, backend: str
) -> None:
    source = new_desk(tmp_path, "source", backend)
    source.run("migrate", "-v0")
    source.run("demo", "--tickets", "30", "--days", "10")
    token = source.shell(ADD_ATTACHMENT.format(hex=PDF.hex(), body="label attached"))
    source.shell(ADD_MAILBOX.format(password="smtp pw 1"))
    before = source.export(tmp_path / "before.jsonl")

    backup = tmp_path / "backup"
    source.run("backup", str(backup))
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"] == backend

    restored = new_desk(tmp_path, "restored", backend)
    restored.run("restore", str(backup))
    restored.run("migrate", "-v0")  # as docs/deploy.md says; nothing to do at the same version

    after = restored.export(tmp_path / "after.jsonl")
    assert after == before
    assert before.count(b'{"type":"ticket"') == 30
    assert b"label attached" in after
    assert bytes.fromhex(restored.shell(READ_ATTACHMENT.format(token=token))) == PDF
    assert (restored.data_dir / "secret_key").read_bytes() == (
        source.data_dir / "secret_key"
    ).read_bytes()
    assert (restored.data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    # The key of the stored mail passwords came along: they still read.
    assert restored.shell(READ_MAILBOX_PASSWORD) == "smtp pw 1"
    assert (restored.data_dir / "credentials_key").stat().st_mode & 0o777 == 0o600

    # The restored desk goes on: a new reply gets new ids (the sequences came along).
    restored.shell(ADD_ATTACHMENT.format(hex=PDF.hex(), body="after the restore"))
    assert b"after the restore" in restored.export(tmp_path / "later.jsonl")


@dataclass(frozen=True)
class SmallBackup:
    source: Desk
    backup: Path
    token: str  # the attachment's


@pytest.fixture(scope="module")
def small_backup(tmp_path_factory: pytest.TempPathFactory) -> SmallBackup:
    """A SQLite desk with a few tickets and an attachment, and its backup (shared: read only)."""
    tmp_path = tmp_path_factory.mktemp("small")
    source = Desk(tmp_path / "source", None)
    source.run("migrate", "-v0")
    source.run("demo", "--tickets", "5", "--days", "3")
    token = source.shell(ADD_ATTACHMENT.format(hex=PDF.hex(), body="label"))
    source.run("backup", str(tmp_path / "backup"))
    return SmallBackup(source, tmp_path / "backup", token)


def test_a_damaged_backup_is_refused_before_anything_is_written(
    tmp_path: Path, small_backup: SmallBackup
) -> None:
    backup = tmp_path / "backup"
    shutil.copytree(small_backup.backup, backup)
    token = small_backup.token
    attachment = backup / "media" / "attachments" / token[:2] / token
    attachment.write_bytes(attachment.read_bytes().replace(b"Catalog", b"Catalof"))

    target = Desk(tmp_path / "target", None)
    failed = target.run("restore", str(backup), check=False)
    assert failed.returncode != 0
    assert "differs from the manifest" in failed.stderr
    assert not (target.data_dir / "afterdesk.sqlite3").exists()
    assert not (target.data_dir / "media").exists()


def test_a_restore_never_overwrites_a_database_in_use_without_replace(
    tmp_path: Path, small_backup: SmallBackup
) -> None:
    source, backup = small_backup.source, small_backup.backup
    failed = source.run("backup", str(backup), check=False)
    assert failed.returncode != 0  # never over an earlier backup
    assert "not an empty directory" in failed.stderr

    target = Desk(tmp_path / "target", None)
    target.run("migrate", "-v0")
    empty = target.export(tmp_path / "empty.jsonl")
    failed = target.run("restore", str(backup), check=False)
    assert failed.returncode != 0
    assert "not empty" in failed.stderr
    assert target.export(tmp_path / "still-empty.jsonl") == empty

    target.run("restore", "--replace", str(backup))
    assert target.export(tmp_path / "replaced.jsonl") == source.export(tmp_path / "src.jsonl")


WRITE_NOTES = """
import sys
from afterdesk.accounts.models import User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
admin = User.objects.get(username="admin")
tickets = list(Ticket.objects.exclude(status="closed").order_by("id")[:5])
for number in range(100000):
    services.note_add(ticket=tickets[number % 5], by=admin, body=f"load-note-{number}")
"""
NOTE_COUNTS = """
from afterdesk.tickets.models import Message, TicketEvent
events = TicketEvent.objects.filter(kind="message", subtype="note").count()
notes = Message.objects.filter(kind="note").count()
print(events, notes)
"""


def test_a_sqlite_backup_taken_while_agents_write_is_consistent(tmp_path: Path) -> None:
    """The online backup copies one committed state while the WAL database is written to (a
    plain file copy does not promise that): every note's event has its message, and the
    copy passes SQLite's integrity check."""
    source = Desk(tmp_path / "source", None)
    source.run("migrate", "-v0")
    source.run("demo", "--tickets", "10", "--days", "3")
    database = source.data_dir / "afterdesk.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["AFTERDESK_DATA_DIR"] = str(source.data_dir)
    writer = subprocess.Popen(
        [sys.executable, "-m", "afterdesk.cli", "shell", "-c", WRITE_NOTES],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while _notes(database) < 50:
            assert writer.poll() is None, writer.stderr.read() if writer.stderr else ""
            assert time.monotonic() < deadline, "the writer wrote no notes"
            time.sleep(0.2)
        backup = tmp_path / "backup"
        source.run("backup", str(backup))
        assert writer.poll() is None, "the writer stopped before the backup finished"
    finally:
        writer.terminate()
        writer.wait(timeout=30)
    with closing(sqlite3.connect(backup / "afterdesk.sqlite3")) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    restored = Desk(tmp_path / "restored", None)
    restored.run("restore", str(backup))
    events, notes = map(int, restored.shell(NOTE_COUNTS).split())
    assert events == notes >= 50
    assert (
        hashlib.sha256((backup / "afterdesk.sqlite3").read_bytes()).hexdigest()
        == json.loads((backup / "manifest.json").read_text())["files"]["afterdesk.sqlite3"][
            "sha256"
        ]
    )


def _notes(database: Path) -> int:
    if not database.exists():
        return 0
    with closing(sqlite3.connect(database, timeout=30)) as db:
        try:
            query = "SELECT count(*) FROM tickets_message WHERE kind = 'note'"
            return int(db.execute(query).fetchone()[0])
        except sqlite3.OperationalError:  # not migrated yet
            return 0
