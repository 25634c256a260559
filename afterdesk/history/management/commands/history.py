"""`afterdesk history import FILE.jsonl [--skip-invalid]` and `afterdesk history export FILE`.

stdout carries only what was asked for (docs/metrics.md, "Commands"): the import's counts, one
line per type, or the exported history when FILE is `-`. Errors go to stderr as `line N: message`.
While the work runs, its progress is shown on stderr when that is a terminal, unless `--quiet`
(`core.progress`); it ends before the summary and the errors are written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from afterdesk.core.progress import progress_shown
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import


class Command(BaseCommand):
    help = "Import or export the ticket history as JSON Lines (docs/history.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="import|export")
        importing = actions.add_parser("import", help="import a history file (idempotent)")
        importing.add_argument("file", help="the .jsonl file to import")
        importing.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid lines and report the skipped ones (default: all or nothing)",
        )
        exporting = actions.add_parser("export", help="export the whole history")
        exporting.add_argument("file", help="the .jsonl file to write, or - for stdout")
        for sub in (importing, exporting):
            sub.add_argument(
                "--quiet",
                action="store_true",
                help="no progress display (it shows only when stderr is a terminal)",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self._import(
                options["file"], skip_invalid=options["skip_invalid"], quiet=options["quiet"]
            )
        else:
            self._export(options["file"], quiet=options["quiet"])

    def _import(self, file: str, *, skip_invalid: bool, quiet: bool) -> None:
        if file == "-":
            raise CommandError("import needs a file path: the file is read more than once")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        with progress_shown(self.stderr, quiet=quiet) as progress:
            report = history_import(path, skip_invalid=skip_invalid, progress=progress)
        for line in report.error_lines():
            self.stderr.write(line)
        if not report.imported:
            raise CommandError(
                f"{len(report.errors)} invalid line(s); nothing was imported "
                "(use --skip-invalid to import the valid lines)"
            )
        for line in report.summary_lines():
            self.stdout.write(line)

    def _export(self, file: str, *, quiet: bool) -> None:
        if file == "-":
            with progress_shown(self.stderr, quiet=quiet) as progress:
                counts = history_export(cast(TextIO, self.stdout), progress=progress)
            summary = self.stderr
        else:
            path = Path(file)
            if not path.parent.is_dir():
                raise CommandError(f"no such directory: {path.parent}")
            with (
                path.open("w", encoding="utf-8", newline="\n") as out,
                progress_shown(self.stderr, quiet=quiet) as progress,
            ):
                counts = history_export(out, progress=progress)
            summary = self.stdout
        for kind, count in counts.items():
            summary.write(f"{kind}: {count} exported")
