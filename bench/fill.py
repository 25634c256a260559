"""Fill the benchmark database with tickets fast: plain multi-row inserts (`executemany` on
SQLite, `COPY` on PostgreSQL) with explicit ids, bypassing the ORM and the event log. Only
the inbox benchmark uses this; the rows look like a busy desk's, not like a valid history."""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from afterdesk.accounts.models import Role, Team, User
from afterdesk.commerce.models import Customer, Store
from afterdesk.history.bulk import table_columns
from afterdesk.tickets.models import Category, Ticket

END = datetime(2026, 11, 1, tzinfo=UTC)
TEAMS = (
    "EN Tier 1",
    "EU Languages",
    "APAC",
    "Escalations",
    "LATAM",
    "Marketplaces",
    "Returns",
    "VIP",
)
AGENTS_PER_TEAM = 25
STATUSES = ("closed", "solved", "open", "pending", "new", "on_hold")
STATUS_WEIGHTS = (0.70, 0.10, 0.08, 0.07, 0.03, 0.02)
LIVE = frozenset({"open", "pending", "new", "on_hold"})
CHANNELS = ("email", "marketplace", "marketplace", "chat", "web")
LANGUAGES = ("en", "en", "en", "de", "fr", "es", "ja", "pt", "ar")
CATEGORIES = tuple(category.value for category in Category if category != Category.OTHER)
PRIORITIES = ("low", "normal", "normal", "normal", "normal", "high", "urgent")
CHUNK = 20_000
CUSTOMERS_PER_TICKET = 0.25
BENCH_ADMIN = "bench-admin"


def _setup() -> tuple[list[int], dict[int, list[int]], list[tuple[int, str, str]]]:
    """Teams, agents and stores (created once); returns their ids."""
    team_ids = []
    for name in TEAMS:
        team, _ = Team.objects.get_or_create(name=name)
        team_ids.append(team.pk)
    if not User.objects.filter(username=BENCH_ADMIN).exists():
        hashed = make_password(None)
        User.objects.create(username=BENCH_ADMIN, role=Role.ADMIN, password=hashed)
        users = User.objects.bulk_create(
            User(username=f"{team[:3].lower()}-{n:02d}", password=hashed)
            for team in TEAMS
            for n in range(AGENTS_PER_TEAM)
        )
        members = User.teams.through
        members.objects.bulk_create(
            members(user_id=user.pk, team_id=team_ids[index // AGENTS_PER_TEAM])
            for index, user in enumerate(users)
        )
        for code, platform, market, currency in (
            ("amazon-us", "amazon", "US", "USD"),
            ("amazon-de", "amazon", "DE", "EUR"),
            ("amazon-jp", "amazon", "JP", "JPY"),
            ("shopify-eu", "shopify", "EU", "EUR"),
            ("ebay-uk", "ebay", "GB", "GBP"),
            ("aliexpress", "aliexpress", "INTL", "USD"),
        ):
            Store.objects.create(
                code=code, name=code, platform=platform, market=market, currency=currency
            )
    by_team: dict[int, list[int]] = {pk: [] for pk in team_ids}
    for user_id, team_id in User.teams.through.objects.values_list("user_id", "team_id"):
        by_team[team_id].append(user_id)
    stores = list(Store.objects.order_by("pk").values_list("pk", "platform", "market"))
    return team_ids, by_team, stores


def _insert(table: type[Any], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Insert rows with COPY (PostgreSQL) or one executemany (SQLite)."""
    name = table._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, list(rows))


def _when(value: datetime) -> Any:
    """A datetime as the backend stores it (SQLite: naive UTC text, as Django writes it)."""
    if connection.vendor == "postgresql":
        return value
    return str(value.astimezone(UTC).replace(tzinfo=None))


def _weighted_table(values: Sequence[str], weights: Sequence[float]) -> list[str]:
    """A 1,000-slot table: indexing it with a uniform draw is a fast weighted choice."""
    table: list[str] = []
    for value, weight in zip(values, weights, strict=True):
        table += [value] * round(weight * 1000)
    return table


def _chunks(first: int, last: int) -> Iterator[tuple[int, int]]:
    start = first
    while start <= last:
        end = min(start + CHUNK - 1, last)
        yield start, end
        start = end + 1


def _customers(rng: random.Random, first: int, last: int, stores: list[Any]) -> None:
    created = _when(END - timedelta(days=400))
    rows = (
        (pk, rng.choice(stores)[0], f"Buyer {pk}", rng.choice(LANGUAGES), "", created, "[]")
        for pk in range(first, last + 1)
    )
    columns = ("id", "store_id", "name", "language", "country", "created_at", "tags")
    _insert(Customer, columns, rows)


def _ticket_rows(
    rng: random.Random,
    first: int,
    last: int,
    team_ids: list[int],
    by_team: dict[int, list[int]],
    stores: list[Any],
    customers: int,
) -> Iterator[tuple[Any, ...]]:
    year = 365 * 86400
    statuses = _weighted_table(STATUSES, STATUS_WEIGHTS)
    random_ = rng.random
    for pk in range(first, last + 1):
        status = statuses[int(random_() * len(statuses))]
        team = team_ids[int(random_() * len(team_ids))]
        assignee = None
        if status != "new" or random_() < 0.4:
            members = by_team[team]
            assignee = members[int(random_() * len(members))] if random_() < 0.93 else None
        # Live tickets move every day; closed ones are spread over the year.
        age = int(random_() * (14 * 86400 if status in LIVE else year))
        updated = END - timedelta(seconds=age)
        created = updated - timedelta(seconds=int(random_() * 10 * 86400))
        store_id, platform, market = stores[int(random_() * len(stores))]
        yield (
            pk,
            f"B-{pk:08d}",
            f"Where is my order? #{pk}",
            CHANNELS[int(random_() * len(CHANNELS))],
            platform,
            store_id,
            market,
            LANGUAGES[int(random_() * len(LANGUAGES))],
            CATEGORIES[int(random_() * len(CATEGORIES))],
            PRIORITIES[int(random_() * len(PRIORITIES))],
            status,
            assignee,
            team,
            1 + int(random_() * customers),
            None,
            Decimal(500 + int(random_() * 39500)) / 100,
            "USD",
            _when(created),
            _when(updated),
            None,  # buyer_message_at: these tickets have no messages (bench.pages adds them)
        )


TICKET_COLUMNS = table_columns(Ticket)  # `_ticket_rows` gives every column, in this order


def tickets_fill(*, target: int, seed: int = 1) -> float:
    """Add tickets (and their customers) until the database holds `target`; return seconds."""
    started = time.perf_counter()
    with transaction.atomic():
        team_ids, by_team, stores = _setup()
        have = Ticket.objects.count()
        have_customers = Customer.objects.count()
        want_customers = max(int(target * CUSTOMERS_PER_TICKET), 1)
        rng = random.Random(seed + have)
        if want_customers > have_customers:
            for first, last in _chunks(have_customers + 1, want_customers):
                _customers(rng, first, last, stores)
        for first, last in _chunks(have + 1, target):
            rows = _ticket_rows(rng, first, last, team_ids, by_team, stores, want_customers)
            _insert(Ticket, TICKET_COLUMNS, rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for model in (Ticket, Customer):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started
