"""`afterdesk backup DEST`: the database, the attachments and the secret key, in one directory
(docs/deploy.md, "Backups and restore")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online backup or pg_dump -Fc), the attachments and the "
        "secret key into DEST, a new or empty directory; safe while Afterdesk runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dest", type=Path, help="a directory that does not exist yet")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_create(options["dest"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Backed up the {summary.database} database and {summary.files} attachment "
            f"file(s) to {options['dest']} ({summary.bytes} bytes)."
        )
