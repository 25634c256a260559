"""`afterdesk serve` loads the demo (published passwords) only when asked, into an empty
database, and with DEBUG off only when forced."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.accounts.models import User
from afterdesk.core.demo_guard import DemoDecision, demo_decision, demo_refused
from afterdesk.core.management.commands.serve import Command as ServeCommand

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("forced", [True, False])
@pytest.mark.parametrize("empty", [True, False])
def test_no_demo_unless_requested(debug: bool, forced: bool, empty: bool) -> None:
    decision = demo_decision(requested=False, forced=forced, debug=debug, database_empty=empty)
    assert decision is DemoDecision.NOT_REQUESTED


@pytest.mark.parametrize("empty", [True, False])
def test_demo_refused_with_debug_off_unless_forced(empty: bool) -> None:
    assert demo_refused(requested=True, forced=False, debug=False)
    decision = demo_decision(requested=True, forced=False, debug=False, database_empty=empty)
    assert decision is DemoDecision.REFUSED


@pytest.mark.parametrize(("debug", "forced"), [(True, False), (False, True), (True, True)])
def test_demo_loaded_only_into_an_empty_database(debug: bool, forced: bool) -> None:
    assert not demo_refused(requested=True, forced=forced, debug=debug)
    empty = demo_decision(requested=True, forced=forced, debug=debug, database_empty=True)
    assert empty is DemoDecision.LOAD
    full = demo_decision(requested=True, forced=forced, debug=debug, database_empty=False)
    assert full is DemoDecision.NOT_EMPTY


def _serve_options(args: list[str]) -> dict[str, object]:
    return vars(ServeCommand().create_parser("afterdesk", "serve").parse_args(args))


def test_old_no_demo_flag_still_accepted_and_means_no_demo() -> None:
    assert _serve_options(["--no-demo"])["demo"] is False
    assert _serve_options([])["demo"] is False


def test_make_run_loads_the_demo_on_a_fresh_machine() -> None:
    """The README's run command: DEBUG is off by default, the database empty."""
    recipe = re.search(r"^run:.*\n\t(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None
    words = shlex.split(recipe.group(1))
    options = _serve_options(words[words.index("serve") + 1 :])
    decision = demo_decision(
        requested=bool(options["demo"]),
        forced=bool(options["force_demo"]),
        debug=False,
        database_empty=True,
    )
    assert decision is DemoDecision.LOAD


@pytest.mark.django_db
def test_serve_refuses_the_demo_with_debug_off_before_touching_the_database(
    settings: Any,
) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refusing to load the demo data: DEBUG is off"):
        call_command("serve", "--demo", "--port", "1")
    assert not User.objects.exists()
