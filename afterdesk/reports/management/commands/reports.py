from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from afterdesk.reports.warm import reviews_warm


class Command(BaseCommand):
    # docs/reports.md, "Stored figures"
    help = (
        "`afterdesk reports warm`: compute again the stale stored figures of the weekly "
        "reviews viewed lately, as the worker does every minute."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("warm",))

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        done = reviews_warm()
        for label in done:
            self.stdout.write(f"warmed: {label}")
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{len(done)} review(s) computed again in {elapsed:.1f} s")
