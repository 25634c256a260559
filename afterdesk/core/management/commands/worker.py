from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the background task consumer (huey) on its own, e.g. on another machine."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="run queued tasks only; leave the schedule (the alert sweep every 15 "
            "minutes) to one other worker (docs/deploy.md)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command(
            "run_huey",
            workers=options["workers"],
            worker_type="thread",
            periodic=not options["no_periodic"],
        )
