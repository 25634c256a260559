"""`afterdesk restore SRC [--replace]`: a backup made by `afterdesk backup` into the configured
database, MEDIA_ROOT and data directory (docs/deploy.md, "Backups and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `afterdesk backup` into the configured (empty) database, "
        "MEDIA_ROOT and data directory; checks every file's SHA-256 first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("src", type=Path, help="the backup directory")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="overwrite a database that is not empty (stop every Afterdesk process first)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(options["src"], replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the {summary.database} database and {summary.files} attachment file(s) "
            f"from {options['src']}. Next: `afterdesk migrate` (needed when this version is "
            "newer than the backup's), then start Afterdesk."
        )
