"""`afterdesk qa sample [--cycle-start ISO]` and `afterdesk qa finalize` (docs/qa.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from afterdesk.qa.sampling import sample_due
from afterdesk.qa.services import reviews_finalize_due


class Command(BaseCommand):
    help = (
        "`afterdesk qa sample [--cycle-start YYYY-MM-DD]`: fill the reviewers' queues with each "
        "active assignment's last complete cycle (or the cycle holding that day); a cycle "
        "sampled already is kept as it is. `afterdesk qa finalize`: make final the reviews "
        "nobody disputed in time (they then count in qa_score)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("sample", "finalize"))
        parser.add_argument("--cycle-start", help="a day of the cycle to sample, ISO 8601")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "finalize":
            self.stdout.write(f"{reviews_finalize_due()} review(s) made final")
            return
        start = None
        if options["cycle_start"]:
            try:
                start = date.fromisoformat(options["cycle_start"][:10])
            except ValueError as exc:
                raise CommandError(f"--cycle-start: {exc}") from exc
        counts = sample_due(start=start)
        if not counts:
            self.stdout.write("no active assignment")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count} conversation(s) in the queue for this cycle")
