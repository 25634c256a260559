"""`afterdesk sla sweep [--now ISO]` and `afterdesk sla rebuild` (docs/sla.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from afterdesk.core.timeutil import parse_instant
from afterdesk.sla.escalation import breach_notices_send
from afterdesk.sla.state import states_rebuild
from afterdesk.sla.sweep import BATCH, SWEEP_LIMIT, sla_sweep


class Command(BaseCommand):
    help = (
        "`afterdesk sla sweep [--now ISO]`: write the SLA warnings and breaches due (each once) "
        "and print them; `afterdesk sla rebuild`: recompute every ticket's deadlines from its log."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("sweep", "rebuild"))
        parser.add_argument(
            "--now", help="the sweep's instant, ISO 8601 with an offset (replaying a history)"
        )
        parser.add_argument("--limit", type=int, default=SWEEP_LIMIT, help="tickets per sweep")
        parser.add_argument("--batch", type=int, default=BATCH, help="tickets per transaction")
        parser.add_argument(
            "--no-mail", action="store_true", help="write the breaches' notices, mail later"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            started = time.perf_counter()
            done = states_rebuild()
            elapsed = time.perf_counter() - started
            self.stdout.write(f"SLA state rebuilt for {done} tickets in {elapsed:.1f} s")
            return
        now = timezone.now()
        if options["now"]:
            try:
                now = parse_instant(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from exc
        if options["limit"] < 1 or options["batch"] < 1:
            raise CommandError("--limit and --batch must be at least 1")
        lines = sla_sweep(now=now, limit=options["limit"], batch=options["batch"])
        for line in lines:
            self.stdout.write(str(line))
        self.stdout.write(f"{len(lines)} SLA event(s) written")
        if not options["no_mail"]:
            breach_notices_send()
