"""`afterdesk triage measure [--file F] [--split tuning|held-out|all] [--errors]`,
`afterdesk triage message [--subject S] BODY` and `afterdesk triage labels [--since T]`
(docs/triage.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from afterdesk.core.timeutil import parse_instant
from afterdesk.triage.engine import triage_message
from afterdesk.triage.labels import labels_collect
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
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="measure|message|labels"
        )
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
        labels = actions.add_parser(
            "labels",
            help="agents' corrections as a labelled JSON Lines file (for measure --file)",
        )
        labels.add_argument(
            "--since",
            help="corrections at or after this date (YYYY-MM-DD, local) or instant (with offset)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "message":
                result = triage_message(options["subject"], options["body"])
                self.stdout.write(json.dumps(asdict(result), ensure_ascii=False, indent=2))
                return
            if options["action"] == "labels":
                self._labels(_since(options["since"]))
                return
            self._measure(options)
        except LexiconError as exc:
            raise CommandError(f"lexicon: {exc}") from exc

    def _labels(self, since: datetime | None) -> None:
        count = 0
        for label in labels_collect(since):
            self.stdout.write(json.dumps(label, ensure_ascii=False))
            count += 1
        self.stderr.write(f"{count} corrected message{'' if count == 1 else 's'}")

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


def _since(value: str | None) -> datetime | None:
    """--since: a local date (from its midnight in the desk's time zone) or an instant."""
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        try:
            return parse_instant(value)
        except ValueError as exc:
            raise CommandError(
                f"--since {value!r}: a date (YYYY-MM-DD) or an instant with an offset"
            ) from exc
    return datetime.combine(day, time(), tzinfo=timezone.get_current_timezone())
