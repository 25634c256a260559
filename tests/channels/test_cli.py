"""`afterdesk email ingest` and `afterdesk email retry`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import CORPUS
from tests.channels.helpers import corpus as corpus_bytes

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("email", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_one_line_per_file_saying_what_happened() -> None:
    files = [
        CORPUS / "plain_utf8_amazon.eml",
        CORPUS / "plain_utf8_amazon.eml",
        CORPUS / "auto_reply.eml",
        CORPUS / "broken_mime.eml",
    ]
    lines = _run("ingest", *map(str, files)).splitlines()

    ticket = Ticket.objects.get()
    opened = InboundEmail.objects.get(state=InboundState.OPENED)
    failed = InboundEmail.objects.get(state=InboundState.FAILED)
    assert lines == [
        f"{files[0]}: opened #{ticket.pk}",
        f"{files[1]}: duplicate of inbound #{opened.pk} (ticket #{ticket.pk})",
        f"{files[2]}: stored as auto-reply (Auto-Submitted: auto-replied)",
        f"{files[3]}: failed: {failed.reason} (stored raw as #{failed.pk})",
    ]


def test_an_unreadable_path_is_the_only_failure_of_the_command(tmp_path: Path) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="1 file"):  # 1 file(s) could not be stored
        call_command(
            "email",
            "ingest",
            str(tmp_path / "missing.eml"),
            str(CORPUS / "gb2312.eml"),
            stdout=StringIO(),
            stderr=err,
        )
    assert "missing.eml: not stored" in err.getvalue()
    assert Ticket.objects.count() == 1  # the readable file was stored all the same


def test_retry_processes_a_failed_message_again() -> None:
    _run("ingest", str(CORPUS / "gb2312.eml"))
    inbound = InboundEmail.objects.get()
    inbound.state = InboundState.FAILED
    inbound.ticket = None
    inbound.save()
    Ticket.objects.all().delete()

    assert _run("retry", str(inbound.pk)).startswith(f"#{inbound.pk}: opened (ticket #")
    assert _run("retry", str(inbound.pk)) == f"#{inbound.pk}: not retried: it is opened\n"
    with pytest.raises(CommandError):
        _run("retry")
    with pytest.raises(CommandError, match="#999"):
        _run("retry", "999")


def test_the_afterdesk_command_exit_codes(tmp_path: Path) -> None:
    """The real command in a fresh data folder: 0 when each file was stored (one opened a
    ticket, one failed to parse), 1 when a path cannot be read."""
    env = {**os.environ, "AFTERDESK_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": ""}
    env.pop("DJANGO_SETTINGS_MODULE")
    env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "afterdesk.cli"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], capture_output=True, text=True, env=env, check=False, timeout=300
        )

    assert run("migrate", "--verbosity", "0").returncode == 0
    stored = run("email", "ingest", str(CORPUS / "gb2312.eml"), str(CORPUS / "broken_mime.eml"))
    assert stored.returncode == 0, stored.stderr
    lines = stored.stdout.splitlines()
    assert lines[0].endswith(": opened #1")
    assert ": failed: broken MIME" in lines[1]
    missing = run("email", "ingest", str(tmp_path / "missing.eml"))
    assert missing.returncode == 1
    assert "not stored" in missing.stderr


def test_a_file_whose_raw_copy_cannot_be_written_is_reported_and_the_others_stored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from django.core.files.storage import default_storage

    full = tmp_path / "full.eml"  # new bytes: not stored by an earlier test
    full.write_bytes(corpus_bytes("gb2312.eml") + f"{uuid.uuid4()}\r\n".encode())
    real_save = default_storage.save

    def save(name: str, content: Any, **kwargs: Any) -> str:
        if content.read() == full.read_bytes():
            raise OSError(28, "No space left on device")
        content.seek(0)
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", save)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="1 file"):
        call_command(
            "email", "ingest", str(full), str(CORPUS / "alternative.eml"), stdout=out, stderr=err
        )
    assert "full.eml: not stored: No space left on device" in err.getvalue()
    assert "alternative.eml: opened #" in out.getvalue()
    assert InboundEmail.objects.count() == 1


@override_settings(EMAIL_INBOUND_MAX_BYTES=200)
def test_a_file_over_the_size_limit_is_stored_and_failed() -> None:
    line = _run("ingest", str(CORPUS / "attachments.eml"))
    inbound = InboundEmail.objects.get()
    assert inbound.state == InboundState.FAILED
    assert inbound.reason.endswith("the limit is 200 bytes")
    assert line.endswith(f"(stored raw as #{inbound.pk})\n")
