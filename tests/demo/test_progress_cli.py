"""`afterdesk demo` and `afterdesk bench` show their progress on stderr when that is a
terminal, and nothing more when it is not or with `--quiet`."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.core.test_progress import TerminalStream, plain

pytestmark = pytest.mark.django_db(transaction=False)

TICKETS = "30"


def demo(*args: str, stderr: StringIO) -> str:
    stdout = StringIO()
    call_command("demo", "--tickets", TICKETS, *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue()


def without_timings(text: str) -> str:
    return re.sub(r"\d+\.\d s", "_ s", text)


def test_demo_on_a_terminal_shows_each_step() -> None:
    stderr = TerminalStream()
    stdout = demo(stderr=stderr)
    assert stdout.startswith("Demo data loaded in ")
    shown = plain(stderr.getvalue())
    assert "-:--:-- left" in shown
    assert re.search(r"✓ Generating .*100% 30 tickets  [\d,.]+ tickets/s", shown), shown
    assert re.search(r"✓ Writing history .*100% [\d,]+ lines  [\d,.]+ lines/s", shown), shown
    assert re.search(r"✓ Events .*100% [\d,]+ events  [\d,.]+ events/s", shown), shown
    assert "✓ Customers, orders, parcels" in shown


@pytest.mark.parametrize("quiet", [True, False])
def test_demo_with_quiet_or_without_a_terminal_writes_only_the_summary(quiet: bool) -> None:
    stderr = TerminalStream() if quiet else StringIO()
    stdout = demo(*(["--quiet"] if quiet else []), stderr=stderr)
    assert stderr.getvalue() == ""
    lines = without_timings(stdout).splitlines()
    assert lines[0] == "Demo data loaded in _ s (generate _ s, import _ s, commerce _ s)."
    assert len(lines) == 7
    assert lines[-1].startswith("Login: admin / ")


def test_only_history_on_a_terminal_and_quiet(tmp_path: Path) -> None:
    shown = TerminalStream()
    out = demo("--only-history", str(tmp_path / "a.jsonl"), stderr=shown)
    assert "✓ Writing history" in plain(shown.getvalue())
    quiet = TerminalStream()
    assert demo("--only-history", str(tmp_path / "b.jsonl"), "--quiet", stderr=quiet) == (
        out.replace("a.jsonl", "b.jsonl")
    )
    assert quiet.getvalue() == ""


def test_bench_on_a_terminal_shows_its_steps_and_nothing_with_quiet(tmp_path: Path) -> None:
    args = ["bench", "import", "--backend", "sqlite", "--events", "100", "--out", str(tmp_path)]
    shown, stdout = TerminalStream(), StringIO()
    call_command(*args, stdout=stdout, stderr=shown)
    text = plain(shown.getvalue())
    assert "✓ Writing a synthetic history of 20 tickets" in text
    assert "✓ Import benchmark on sqlite" in text
    assert "import  sqlite" in stdout.getvalue()
    quiet, quiet_stdout = TerminalStream(), StringIO()
    call_command(*args, "--quiet", stdout=quiet_stdout, stderr=quiet)
    assert quiet.getvalue() == ""
    assert "import  sqlite" in quiet_stdout.getvalue()
