"""`afterdesk parcels import FILE.csv [--dry-run]` and `afterdesk parcels check-stalls`
(docs/stores.md, "Parcels and tracking")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.errors import DomainError
from afterdesk.parcels.services.csv_import import tracking_import
from afterdesk.parcels.services.stalls import stalls_check


class Command(BaseCommand):
    help = "Import tracking events from CSV, or flag stalled parcels (docs/stores.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|check-stalls")
        imports = actions.add_parser("import", help="import tracking events from a CSV file")
        imports.add_argument("file", help="CSV file (columns in docs/stores.md)")
        imports.add_argument("--dry-run", action="store_true", help="only check the file")
        actions.add_parser("check-stalls", help="flag the parcels quiet for too long now")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "check-stalls":
            try:
                raised = stalls_check()
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(f"{len(raised)} stalled parcel(s) flagged")
            return
        file = options["file"]
        try:
            text = Path(file).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text") from error
        result = tracking_import(text, dry_run=options["dry_run"])
        if result.errors:
            for line in result.errors:
                self.stderr.write(line)
            raise CommandError(f"{len(result.errors)} error(s); nothing imported")
        if options["dry_run"]:
            self.stdout.write(f"{result.lines} line(s) are valid; nothing written (dry run)")
        else:
            self.stdout.write(
                f"{result.written} tracking event(s) written of {result.lines} line(s)"
            )
