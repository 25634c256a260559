"""`afterdesk history import|export`: stdout carries only the requested output
(docs/metrics.md, "Commands")."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.tickets.events import EVENT_SPECS
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.history.helpers import AGENT, CALENDAR, INBOUND, REPLY, TICKET, write_history

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("history", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_import_prints_one_count_line_per_type(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, REPLY)
    stdout, stderr = run("import", str(path))
    assert stderr == ""
    lines = stdout.splitlines()
    assert lines[:3] == [
        "calendar: 1 created, 0 updated, 0 unchanged",
        "agent: 1 created, 0 updated, 0 unchanged",
        "ticket: 1 created, 0 updated, 0 unchanged",
    ]
    assert lines[3] == "message: 2 added, 0 already present"
    # one line per entity type, then one per event type, in the order of the event types
    assert len(lines) == 3 + len(EVENT_SPECS)
    assert lines[3:] == [
        f"{kind}: {2 if kind == 'message' else 0} added, 0 already present" for kind in EVENT_SPECS
    ]


def test_import_with_errors_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, TICKET, "{bad", REPLY)
    stdout, stderr = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("history", "import", str(path), stdout=stdout, stderr=stderr)
    assert info.value.returncode == 1
    assert "nothing was imported" in str(info.value)
    assert stdout.getvalue() == ""
    errors = stderr.getvalue().splitlines()
    assert errors[0].startswith("line 3: not valid JSON")
    assert errors[1] == "line 4: agent: unknown agent 'anna'"
    assert not Ticket.objects.exists()


def test_import_skip_invalid_exits_0_and_reports_skipped_lines(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", CALENDAR, TICKET, "{bad", REPLY, INBOUND)
    stdout, stderr = run("import", "--skip-invalid", str(path))
    assert stderr.splitlines() == [
        "line 3: not valid JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        "line 4: agent: unknown agent 'anna'",
    ]
    assert "skipped: 2 invalid lines" in stdout.splitlines()
    assert TicketEvent.objects.count() == 1


def test_import_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("import", str(tmp_path / "missing.jsonl"))


def test_export_to_a_file_and_to_stdout(tmp_path: Path) -> None:
    run("import", str(write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, REPLY)))
    target = tmp_path / "out.jsonl"
    stdout, _stderr = run("export", str(target))
    assert "ticket: 1 exported" in stdout.splitlines()
    exported = target.read_text(encoding="utf-8")
    assert [json.loads(line)["type"] for line in exported.splitlines()] == [
        "calendar",
        "agent",
        "ticket",
        "message",
    ]
    stdout, stderr = run("export", "-")
    assert stdout == exported  # nothing but the history on stdout
    assert "message: 1 exported" in stderr


def test_subcommand_is_required() -> None:
    with pytest.raises(CommandError):
        run()
