"""`afterdesk stores sync [--connection ID]` and `afterdesk stores import-orders FILE.csv
--store CODE [--dry-run]` (docs/stores.md, "Command line")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.commerce.models import Store
from afterdesk.core.errors import DomainError
from afterdesk.stores.services.csv_import import import_confirm, import_preview
from afterdesk.stores.services.sync import connections_sync


class Command(BaseCommand):
    help = "Sync orders from the connected stores, or import orders from CSV (docs/stores.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="sync|import-orders")
        sync = actions.add_parser("sync", help="fetch the orders changed since the last sync")
        sync.add_argument("--connection", type=int, help="only this connection (its id)")
        imports = actions.add_parser("import-orders", help="import orders from a CSV file")
        imports.add_argument("file", help="CSV file (columns in docs/stores.md)")
        imports.add_argument("--store", required=True, help="the store's code")
        imports.add_argument(
            "--dry-run", action="store_true", help="check the file and show what would be written"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sync":
            self._sync(options["connection"])
        else:
            self._import(options["file"], options["store"], dry_run=options["dry_run"])

    def _sync(self, connection_id: int | None) -> None:
        results = connections_sync(connection_id)
        if connection_id is not None and not results:
            raise CommandError(f"no store connection {connection_id}")
        failed = 0
        for result in results:
            self.stdout.write(f"connection {result.connection_id}: {result.line()}")
            failed += bool(result.error)
        if failed:
            raise CommandError(f"{failed} of {len(results)} syncs failed")

    def _import(self, file: str, store_code: str, *, dry_run: bool) -> None:
        store = Store.objects.filter(code=store_code).first()
        if store is None:
            known = ", ".join(Store.objects.order_by("code").values_list("code", flat=True)[:20])
            raise CommandError(f"no store with code {store_code!r} (known: {known or 'none'})")
        try:
            text = Path(file).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror or error}") from error
        except UnicodeDecodeError as error:
            raise CommandError(f"{file}: not UTF-8 text") from error
        try:
            preview = import_preview(store=store, content=text, file_name=Path(file).name)
        except DomainError as error:
            raise CommandError(error.message) from error
        for problem in preview.errors:
            self.stderr.write(f"{file}:{problem.line}: {problem.message}")
        if preview.errors or preview.record is None:
            raise CommandError(f"{len(preview.errors)} errors; nothing imported")
        if dry_run:
            self.stdout.write(f"{preview.order_count} orders would be written (dry run)")
            return
        written = import_confirm(preview.record)
        self.stdout.write(f"{written} orders written to {store.code}")
