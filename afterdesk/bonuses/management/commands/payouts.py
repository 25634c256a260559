"""`afterdesk payouts --rule NAME|ID --from ISO --to ISO --format json|csv|table|xlsx`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from afterdesk.bonuses import exports
from afterdesk.bonuses.selectors import bonus_rule_by_reference
from afterdesk.bonuses.services import payout_compute
from afterdesk.core.errors import DomainError
from afterdesk.metrics.cli import parse_period


class Command(BaseCommand):
    help = "The payout of a bonus rule for a period, explained per agent (docs/bonuses.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rule", required=True, help="bonus rule name or id")
        parser.add_argument("--from", dest="start", required=True, help="ISO 8601 with offset")
        parser.add_argument("--to", dest="end", required=True, help="ISO 8601 with offset")
        parser.add_argument("--format", choices=("json", "csv", "table", "xlsx"), default="json")
        parser.add_argument("--output", help="write to this file (required for xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        fmt, output = options["format"], options["output"]
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx needs --output FILE")
        start, end = parse_period(options["start"], options["end"])
        try:
            rule = bonus_rule_by_reference(reference=options["rule"])
            document = payout_compute(rule=rule, start=start, end=end).as_json()
        except DomainError as exc:
            raise CommandError(f"--{exc.field or 'rule'}: {exc.message}") from exc
        if fmt == "xlsx":
            self._write(Path(output), exports.payout_xlsx(document))
            return
        text = {
            "json": lambda d: exports.payout_json(d) + "\n",
            "csv": exports.payout_csv,
            "table": exports.payout_table,
        }[fmt](document)
        if output:
            self._write(Path(output), text.encode("utf-8"))
        else:
            self.stdout.write(text, ending="")

    def _write(self, path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"--output: cannot write {path}: {exc}") from exc
