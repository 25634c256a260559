"""`afterdesk metrics rebuild` shows its progress on stderr when that is a terminal, and
nothing more when it is not or with `--quiet` (docs/metrics.md, "Commands")."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from afterdesk.metrics.models import TicketFacts
from tests.core.test_progress import TerminalStream, plain
from tests.factories import UserFactory
from tests.metrics.test_commands import solved_ticket

pytestmark = pytest.mark.django_db

SUMMARY = re.compile(r"facts rebuilt for 3 tickets in \d+\.\d s\n")


def rebuild(*args: str, stderr: StringIO) -> str:
    stdout = StringIO()
    call_command("metrics", "rebuild", "--chunk-size", "2", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue()


def test_rebuild_on_a_terminal_shows_tickets_per_second_and_time_left() -> None:
    agent = UserFactory(username="anna")
    for minutes in (10, 20, 30):
        solved_ticket(agent, minutes)
    TicketFacts.objects.all().delete()
    stderr = TerminalStream()
    stdout = rebuild(stderr=stderr)
    assert SUMMARY.fullmatch(stdout)
    shown = plain(stderr.getvalue())
    assert "Rebuilding facts" in shown
    assert "-:--:-- left" in shown
    assert re.search(r"✓ Rebuilding facts .*100% 3 tickets  [\d,.]+ tickets/s", shown), shown
    assert TicketFacts.objects.count() == 3


@pytest.mark.parametrize("quiet", [True, False])
def test_rebuild_with_quiet_or_without_a_terminal_writes_only_the_summary(quiet: bool) -> None:
    agent = UserFactory(username="anna")
    for minutes in (10, 20, 30):
        solved_ticket(agent, minutes)
    stderr = TerminalStream() if quiet else StringIO()
    stdout = rebuild(*(["--quiet"] if quiet else []), stderr=stderr)
    assert SUMMARY.fullmatch(stdout)
    assert stderr.getvalue() == ""
