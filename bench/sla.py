"""The SLA sweep benchmark (docs/sla.md; issue 19, "Speed"): with `--tickets` open Amazon
tickets (default 100,000) of which `--due` (default 1,000) have a deadline that has passed, one
`afterdesk sla sweep` finds and processes the due ones — a breach written through the ticket
services for each, its state recomputed, its notice stored — in ≤ 1 s on PostgreSQL.

    .venv/bin/python -m bench.sla [--postgres-url postgres://…/afterdesk_sla_bench]

The database (its name must end in `_bench`) is dropped, migrated and filled with COPY: one
ticket row, one inbound message event and one `TicketSla` row per ticket (the state the
consumer would have stored; `next_at` in the past for the due ones, in the next days for the
rest). The sweep runs once, timed; then it is checked that it wrote exactly `--due` breaches.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.databases import BenchDatabase

TARGET_SECONDS = 1.0
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/afterdesk_sla_bench"
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _fill(tickets: int, due: int) -> None:
    from django.db import connection

    from afterdesk.core.timeutil import format_instant
    from afterdesk.sla.models import Policy, TicketSla
    from afterdesk.tickets.events import event_fingerprint
    from afterdesk.tickets.models import Message, Ticket, TicketEvent

    policy = Policy.objects.get(preset="marketplace")

    def copy(table: type, columns: list[str], rows: object) -> None:
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(f"COPY {table._meta.db_table} ({', '.join(columns)}) FROM STDIN") as c:
                for row in rows:  # type: ignore[attr-defined]
                    c.write_row(row)

    def created(n: int) -> datetime:
        # the due ones were written to more than a day ago; the others within the last day
        if n < due:
            return NOW - timedelta(hours=25, seconds=n)
        return NOW - timedelta(seconds=(n * 7) % 70_000)

    ids = range(1, tickets + 1)
    copy(
        Ticket,
        [
            "id",
            "external_id",
            "subject",
            "channel",
            "platform",
            "market",
            "language",
            "category",
            "priority",
            "status",
            "currency",
            "created_at",
            "updated_at",
        ],
        (
            (
                n,
                f"B-{n}",
                f"Order {n}",
                "marketplace",
                "amazon",
                "DE",
                "de",
                "not_received",
                "normal",
                "new",
                "",
                created(n - 1),
                created(n - 1),
            )
            for n in ids
        ),
    )
    fields = '{"kind": "inbound"}'
    copy(
        TicketEvent,
        ["id", "ticket_id", "kind", "at", "subtype", "fields", "fingerprint", "recorded_at"],
        (
            (
                n,
                n,
                "message",
                created(n - 1),
                "inbound",
                fields,
                event_fingerprint("message", created(n - 1), {"kind": "inbound", "body": "?"}),
                NOW,
            )
            for n in ids
        ),
    )
    copy(
        Message,
        [
            "ticket_id",
            "event_id",
            "kind",
            "body_text",
            "body_html",
            "external_message_id",
            "created_at",
        ],
        ((n, n, "inbound", "?", "", "", created(n - 1)) for n in ids),
    )

    def deadline(n: int) -> str:
        return format_instant(created(n - 1) + timedelta(hours=24))

    def state(n: int) -> tuple[object, ...]:
        at = created(n - 1)
        deadline = at + timedelta(hours=24)
        warn = deadline - timedelta(hours=2)
        clock = (
            f'[{{"target": "first_reply", "started_at": "{format_instant(at)}", '
            f'"due": "{format_instant(deadline)}", "warn_at": "{format_instant(warn)}", '
            '"ended_at": null, "end": "", "running": true, "met": null, '
            '"elapsed_seconds": 0, "limit_minutes": 1440}]'
        )
        # the due ones were warned already: the breach is what is left
        next_at = deadline if n <= due else warn
        return (n, policy.pk, deadline, None, None, None, False, next_at, clock, NOW)

    copy(
        TicketSla,
        [
            "ticket_id",
            "policy_id",
            "first_reply_due",
            "next_reply_due",
            "periodic_update_due",
            "resolution_due",
            "paused",
            "next_at",
            "clocks",
            "computed_at",
        ],
        (state(n) for n in ids),
    )
    copy(
        TicketEvent,
        ["id", "ticket_id", "kind", "at", "subtype", "fields", "fingerprint", "recorded_at"],
        (
            (
                tickets + n,
                n,
                "sla_warning",
                created(n - 1) + timedelta(hours=22),
                "first_reply",
                json.dumps({"target": "first_reply", "due": deadline(n)}),
                hashlib.sha256(f"w{n}".encode()).hexdigest(),
                NOW,
            )
            for n in range(1, due + 1)
        ),
    )
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_ticketevent", "tickets_message"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
        cursor.execute("VACUUM ANALYZE")


def measure(tickets: int, due: int) -> int:
    import django

    django.setup()
    from django.db import connection

    from afterdesk.sla.sweep import sla_sweep
    from afterdesk.tickets.models import TicketEvent

    connection.ensure_connection()
    connection.connection.autocommit = True
    started = time.perf_counter()
    _fill(tickets, due)
    print(f"filled {tickets:,} open tickets ({due:,} due) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    lines = sla_sweep(now=NOW)
    elapsed = time.perf_counter() - started
    breaches = TicketEvent.objects.filter(kind="sla_breach").count()
    ok = len(lines) == due == breaches and elapsed <= TARGET_SECONDS
    print(
        f"sweep: {len(lines):,} events written ({breaches:,} breaches stored) in {elapsed:.3f} s"
        f" — target ≤ {TARGET_SECONDS:.0f} s for {due:,}: {'met' if ok else 'NOT met'}"
    )
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=DEFAULT_URL)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    options = parser.parse_args()
    database = BenchDatabase.postgres(options.out, options.postgres_url)
    database.reset()
    os.environ.update(database.env())
    return measure(options.tickets, options.due)


if __name__ == "__main__":
    sys.exit(main())
