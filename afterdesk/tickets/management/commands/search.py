"""`afterdesk search rebuild` (docs/ui.md, "Search")."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from afterdesk.tickets.search import search_index_rebuild


class Command(BaseCommand):
    help = (
        "`afterdesk search rebuild`: rebuild the tickets' full-text index (PostgreSQL: the fold "
        "function, with unaccent if it can be created now, and its indexes; SQLite: the FTS5 "
        "tables refilled from the tickets, messages and buyers)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=("rebuild",))

    def handle(self, *args: Any, **options: Any) -> None:
        if "tickets_ticket" not in connection.introspection.table_names():
            raise CommandError("the database has no tickets table: run `afterdesk migrate` first")
        started = time.perf_counter()
        done = search_index_rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Search index rebuilt ({done}) in {elapsed:.1f} s")
