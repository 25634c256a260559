from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from afterdesk.core.progress import progress_shown
from afterdesk.metrics.services import facts_refresh
from afterdesk.metrics.stored import changes_compact
from afterdesk.tickets.models import Ticket


class Command(BaseCommand):
    help = "`afterdesk metrics rebuild`: recompute every ticket's facts from its events."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("rebuild",))
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="no progress display (it shows only when stderr is a terminal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
        size = options["chunk_size"]
        done = 0
        with progress_shown(
            self.stderr,
            quiet=options["quiet"],
            description="Rebuilding facts",
            total=len(ids),
            unit="tickets",
        ) as progress:
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                with transaction.atomic():
                    done += facts_refresh(ticket_ids=chunk, chunk_size=size)
                progress.advance(len(chunk))
        # Each chunk recorded its days as changed (metrics.stored): one row per day again.
        changes_compact()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"facts rebuilt for {done} tickets in {elapsed:.1f} s")
