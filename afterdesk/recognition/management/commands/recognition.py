"""`afterdesk recognition awards --month YYYY-MM [--email] [--format text|json]`
(docs/recognition.md, "Command line")."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.errors import DomainError
from afterdesk.recognition.months import month_parse
from afterdesk.recognition.services import awards_store, performance_emails_send
from afterdesk.recognition.text import award_explanation


class Command(BaseCommand):
    help = "Monthly recognition: store a finished month's awards (docs/recognition.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        awards = sub.add_parser("awards", help="compute and store the awards of a finished month")
        awards.add_argument("--month", required=True, help="YYYY-MM, a month that is over")
        awards.add_argument(
            "--email", action="store_true", help="also send each agent's monthly email (once)"
        )
        awards.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = month_parse(options["month"])
            stored = awards_store(month=month)
            outcome = performance_emails_send(month=month) if options["email"] else None
        except DomainError as exc:
            raise CommandError(f"--{exc.field or 'month'}: {exc.message}") from exc
        if options["format"] == "json":
            document: dict[str, Any] = {
                "month": f"{month:%Y-%m}",
                "awards": [
                    {
                        "kind": s.award.kind,
                        "agent": s.award.agent.username,
                        "new": s.created,
                        "candidates": s.award.candidates,
                        "figures": s.award.figures,
                    }
                    for s in stored
                ],
            }
            if outcome is not None:
                document["emails"] = {
                    "sent": outcome.sent,
                    "already_sent": outcome.skipped,
                    "failed": outcome.failed,
                    "no_address": outcome.no_address,
                }
            self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            if not stored:
                self.stdout.write(f"{month:%Y-%m}: nobody qualified for an award.")
            for s in stored:
                state = "awarded" if s.created else "already awarded"
                self.stdout.write(
                    f"{month:%Y-%m} {s.award.get_kind_display()} ({state}): "
                    f"{s.award.agent.username} — {award_explanation(s.award)}"
                )
            if outcome is not None:
                self.stdout.write(
                    f"emails: {len(outcome.sent)} sent, {len(outcome.skipped)} already sent, "
                    f"{len(outcome.failed)} failed, {len(outcome.no_address)} without an address"
                )
        if outcome is not None and outcome.failed:
            raise CommandError(
                f"emails not sent to: {', '.join(outcome.failed)} (run again to retry)"
            )
