"""`afterdesk history import|export` show their progress on stderr when it is a terminal, and
nothing more when it is not or with `--quiet` (docs/history.md, "Progress")."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.core.test_progress import TerminalStream, plain
from tests.history.helpers import AGENT, CALENDAR, INBOUND, REPLY, TICKET, write_history

pytestmark = pytest.mark.django_db


def history(tmp_path: Path) -> Path:
    return write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, REPLY)


def run(*args: str, stderr: io.StringIO | None = None) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), stderr if stderr is not None else io.StringIO()
    call_command("history", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_import_on_a_pseudo_terminal_shows_stages_rates_and_time_left(tmp_path: Path) -> None:
    path = history(tmp_path)
    leader, follower = os.openpty()
    received = bytearray()

    def drain() -> None:  # a pty holds a few KB: read while the command writes
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the follower side is closed
                return
            if not data:
                return
            received.extend(data)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout = io.StringIO()
    try:
        with os.fdopen(follower, "w", encoding="utf-8", closefd=False) as terminal:
            call_command("history", "import", str(path), stdout=stdout, stderr=terminal)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    shown = plain(received.decode("utf-8", "replace"))
    assert "-:--:-- left" in shown
    assert re.search(r"✓ Checking .*100% 5 lines  [\d,.]+ lines/s", shown), shown
    assert re.search(r"✓ Events .*100% 2 events  [\d,.]+ events/s", shown), shown
    assert "✓ Tickets" in shown
    # stdout is the summary, as without a terminal
    assert stdout.getvalue().splitlines()[0] == "calendar: 1 created, 0 updated, 0 unchanged"


def test_import_without_a_terminal_or_with_quiet_writes_only_the_summary(
    tmp_path: Path,
) -> None:
    path = history(tmp_path)
    plain_out, plain_err = run("import", str(path))
    quiet_out, quiet_err = run("import", str(path), "--quiet", stderr=TerminalStream())
    assert plain_err == quiet_err == ""
    # the second import finds everything present: the same lines but for the counts
    assert quiet_out.splitlines()[0] == "calendar: 0 created, 0 updated, 1 unchanged"
    assert len(quiet_out.splitlines()) == len(plain_out.splitlines())


def test_import_with_errors_on_a_terminal_ends_the_display_before_the_errors(
    tmp_path: Path,
) -> None:
    path = write_history(tmp_path / "bad.jsonl", TICKET, "{not json")
    stderr = TerminalStream()
    with pytest.raises(CommandError, match="2 invalid line"):
        run("import", str(path), stderr=stderr)
    lines = plain(stderr.getvalue()).splitlines()
    assert "✓ Checking" in lines[-3]
    assert lines[-2] == "line 1: unknown calendar 'eu'"
    assert lines[-1].startswith("line 2: not valid JSON")


def test_export_on_a_terminal_counts_tickets_and_lines(tmp_path: Path) -> None:
    run("import", str(history(tmp_path)))
    stderr = TerminalStream()
    stdout, _ = run("export", str(tmp_path / "out.jsonl"), stderr=stderr)
    shown = plain(stderr.getvalue())
    assert "-:--:-- left" in shown
    assert re.search(r"✓ Exporting .*100% 3 lines  [\d,.]+ lines/s", shown), shown
    assert stdout.splitlines()[0] == "calendar: 1 exported"


def test_export_to_stdout_keeps_stdout_the_history_alone(tmp_path: Path) -> None:
    run("import", str(history(tmp_path)))
    quiet_out, quiet_err = run("export", "-", "--quiet", stderr=TerminalStream())
    shown_out, shown_err = run("export", "-", stderr=TerminalStream())
    piped_out, piped_err = run("export", "-")
    assert quiet_out == shown_out == piped_out
    assert quiet_err == piped_err
    assert quiet_err.splitlines()[0] == "calendar: 1 exported"
    # the display came first on stderr, then the same summary
    assert plain(shown_err).endswith(piped_err)
    assert "Exporting" in shown_err
