"""`afterdesk templates load FILE.json [--roles …] [--agents …] [--from DATE]` and
`afterdesk templates assignments`.

`load` creates the template (or a new version of it, by its `id`) and assigns it to those
positions and agents from that date (default: from the beginning of time); it prints the
template id and nothing else on stdout (docs/metrics.md, "Positions and templates").
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError
from afterdesk.metrics.assignments import assignment_history, template_assign
from afterdesk.metrics.services import template_save

# "From the beginning of time" for a loaded version: it scores every period until a later
# version takes effect.
EPOCH = date(1970, 1, 1)


def _names(raw: str | None) -> list[str]:
    return [name.strip() for name in (raw or "").split(",") if name.strip()]


class Command(BaseCommand):
    help = "Load scorecard templates and assign them to positions and agents."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="load|assignments")
        load = actions.add_parser("load", help="create or update a template and assign it")
        load.add_argument("file", help="the template's JSON file")
        load.add_argument("--roles", help="positions to assign it to, comma-separated")
        load.add_argument("--agents", help="agent ids (usernames) to assign it to, comma-separated")
        load.add_argument(
            "--from",
            dest="start",
            help="YYYY-MM-DD (00:00 UTC) from which the assignments and a new version apply "
            "(default: from the beginning of time)",
        )
        actions.add_parser("assignments", help="list every assignment change, newest first")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "assignments":
            self._assignments()
            return
        definition = self._read(options["file"])
        start = self._date(options["start"])
        positions = _names(options["roles"])
        usernames = _names(options["agents"])
        agents = {u.username: u for u in User.objects.filter(username__in=usernames)}
        unknown = [name for name in usernames if name not in agents]
        if unknown:
            raise CommandError(f"--agents: unknown agent id(s): {', '.join(unknown)}")
        try:
            with transaction.atomic():
                version = template_save(
                    definition=definition,
                    effective_from=datetime.combine(start or EPOCH, time.min, tzinfo=UTC),
                )
                key = version.template.key
                for position in positions:
                    template_assign(template_key=key, position=position, effective_from=start)
                for username in usernames:
                    template_assign(template_key=key, agent=agents[username], effective_from=start)
        except DomainError as exc:
            where = f"{exc.field}: " if getattr(exc, "field", None) else ""
            raise CommandError(f"{where}{exc.message}") from exc
        self.stdout.write(key)

    def _read(self, file: str) -> dict[str, Any]:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{path}: a template must be a JSON object")
        return data

    def _date(self, raw: str | None) -> date | None:
        if raw is None:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise CommandError(f"--from: {raw!r} is not a date YYYY-MM-DD") from exc

    def _assignments(self) -> None:
        for row in assignment_history():
            self.stdout.write(
                "\t".join(
                    [
                        row.changed_at.isoformat(),
                        row.changed_by.username if row.changed_by else "-",
                        f"agent {row.agent.username}" if row.agent else f"position {row.position}",
                        str(row.effective_from or "always"),
                        f"{row.previous_template.key if row.previous_template else '-'}"
                        f" -> {row.template.key if row.template else '-'}",
                    ]
                )
            )
