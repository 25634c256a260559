"""`afterdesk triage measure [--file F] [--split tuning|held-out|all] [--errors]` and
`afterdesk triage message [--subject S] BODY` (docs/triage.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.triage.engine import triage_message
from afterdesk.triage.lexicon import LexiconError
from afterdesk.triage.measure import (
    SPLITS,
    LabelledSetError,
    labelled_load,
    measure,
    report_lines,
    split,
)

# The labelled set ships with the source checkout's tests, not with the installed package.
DEFAULT_FILE = Path(settings.BASE_DIR).parent / "tests" / "data" / "triage_messages.jsonl"


class Command(BaseCommand):
    help = (
        "Message triage: measure precision/recall on a labelled set of buyer messages, or "
        "triage one message. See docs/triage.md."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="measure|message")
        measuring = actions.add_parser("measure", help="figures on a labelled JSON Lines file")
        measuring.add_argument(
            "--file", type=Path, default=DEFAULT_FILE, help=f"default: {DEFAULT_FILE}"
        )
        measuring.add_argument(
            "--split",
            choices=SPLITS,
            action="append",
            help="tuning, held-out or all (repeatable; default: tuning and held-out)",
        )
        measuring.add_argument(
            "--errors", action="store_true", help="list every message triaged wrongly"
        )
        one = actions.add_parser("message", help="triage one message, print the result as JSON")
        one.add_argument("body")
        one.add_argument("--subject", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "message":
                result = triage_message(options["subject"], options["body"])
                self.stdout.write(json.dumps(asdict(result), ensure_ascii=False, indent=2))
                return
            self._measure(options)
        except LexiconError as exc:
            raise CommandError(f"lexicon: {exc}") from exc

    def _measure(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(
                f"{path}: no such file (the labelled sets are in a checkout's tests/data/)"
            )
        try:
            rows = labelled_load(path)
        except LabelledSetError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        if not rows:
            raise CommandError(f"{path}: no messages")
        for which in options["split"] or ["tuning", "held-out"]:
            chosen = split(rows, which)
            if not chosen:
                self.stdout.write(f"== {which}: no messages ==")
                continue
            scores = measure(chosen)
            for line in report_lines(scores, which):
                self.stdout.write(line)
            if options["errors"]:
                self.stdout.write("errors:")
                for error in scores["all"].errors:
                    self.stdout.write(f"  {error}")
            self.stdout.write("")
