from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.errors import DomainError
from afterdesk.core.progress import progress_shown
from afterdesk.demo.generator import DEFAULT_DAYS, DEFAULT_SEED, DEFAULT_TICKETS, generate
from afterdesk.demo.services import demo_load, demo_reset


class Command(BaseCommand):
    help = (
        "Load the deterministic demo data (stores, 20 agents, ~3,000 multilingual tickets of "
        "the last 60 days) into an empty database. See docs/demo.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=DEFAULT_TICKETS)
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="first delete every ticket, store, customer and order (users stay)",
        )
        parser.add_argument(
            "--history-out",
            type=Path,
            help="also keep the generated history JSON Lines file at this path",
        )
        parser.add_argument(
            "--only-history",
            type=Path,
            metavar="FILE",
            help="write the history JSON Lines file and stop (the database is not touched)",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="no progress display (it shows only when stderr is a terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["tickets"] < 1 or options["days"] < 1:
            raise CommandError("--tickets and --days must be at least 1")
        if options["only_history"]:
            with progress_shown(self.stderr, quiet=options["quiet"]) as progress:
                dataset = generate(
                    seed=options["seed"],
                    tickets=options["tickets"],
                    days=options["days"],
                    progress=progress,
                )
                lines = dataset.write_history(options["only_history"], progress=progress)
            self.stdout.write(f"{lines} lines written to {options['only_history']}")
            return
        if options["reset"]:
            deleted = demo_reset()
            self.stdout.write(
                f"Deleted {deleted['tickets']} tickets and {deleted['stores']} stores."
            )
        try:
            with progress_shown(self.stderr, quiet=options["quiet"]) as progress:
                summary = demo_load(
                    seed=options["seed"],
                    tickets=options["tickets"],
                    days=options["days"],
                    history_path=options["history_out"],
                    progress=progress,
                )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("\n".join(summary.lines()))
