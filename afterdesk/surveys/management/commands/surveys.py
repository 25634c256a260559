"""`afterdesk surveys run [--now ISO]`: one run of the survey job now, as the worker does every
five minutes (docs/surveys.md, "When a survey is sent")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.timeutil import parse_instant
from afterdesk.surveys.tasks import surveys_run


class Command(BaseCommand):
    help = "Schedule, cancel and send the CSAT surveys that are due (docs/surveys.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="run")
        run = actions.add_parser("run", help="one run of the survey job")
        run.add_argument(
            "--now", help="the instant to run at (ISO 8601 with an offset), e.g. to send early"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options.get("now"):
            try:
                now = parse_instant(options["now"])
            except (TypeError, ValueError) as error:
                raise CommandError(f"--now: {error}") from error
        for line in surveys_run(now):
            self.stdout.write(line)
