"""The inbox's full-text search, one selector over both databases (docs/ui.md, "Search").

What is searched: the ticket's subject, the text of its messages (notes included: only agents
search) and its buyer's name, as words; its number (`#123` or `123`), history id, orders'
numbers (with or without `#`), parcels' tracking numbers and its buyer's email address, as
whole values (case-insensitive: a part of a tracking number is not one).

The index is kept by the database itself, so it is exact whatever wrote the rows (a click,
the email ingester's batches, the history importer's bulk inserts, a store sync renaming a
buyer) and no write pays a query more:

- PostgreSQL: GIN indexes on `to_tsvector('simple', afterdesk_search_fold(column))` of
  `tickets_ticket.subject`, `tickets_message.body_text` and `commerce_customer.name`
  (migration 0009). `afterdesk_search_fold` is an SQL function: `unaccent` when the extension
  could be created, and Chinese and Japanese characters spaced out (`core.fulltext`); the
  'simple' configuration does not stem, as tickets come in any language. Whole values are
  btree indexes on `upper(…)`.
- SQLite: FTS5 tables without content (`tickets_subject_fts`, `tickets_message_fts`,
  `commerce_customer_fts`, rowid = the row's id, the unicode61 tokenizer), filled by triggers
  on insert, update and delete with `afterdesk_search_fold(…)`, the Python `core.fulltext.fold`.

A query is folded the same way and matched as a phrase whose last word is a prefix
(`refund pl` finds "Refund please"; `订单` finds 我的订单没有到); characters of the query
languages (`"`, `:*`, `&`, `*`) are text. A query with no letter or digit (an emoji,
punctuation) is a substring match on subjects and messages instead. `#123` (`#` and digits)
is a number only: a ticket or an order, never text.

Ranking: a whole-value match first (ticket, order, tracking number, email), then a match in
the subject, then the rest; newest update first within each.
"""

# The SQL here is built from this module's constants (tables, columns, index names); the
# searched text is always a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from afterdesk.core.fulltext import fold, fts5_phrase, has_words
from afterdesk.tickets.models import Message, Ticket

MAX_TICKET_NUMBER = 2**63 - 1
# The GIN-indexed expression of each searched column: a query must spell it exactly so.
PG_TSV = "to_tsvector('simple'::regconfig, afterdesk_search_fold({column}))"
PG_QUERY = "to_tsquery('simple'::regconfig, quote_literal(afterdesk_search_fold(%s)) || ':*')"
PG_INDEXES = {
    "ticket_search_subject": ("tickets_ticket", "subject"),
    "message_search_body": ("tickets_message", "body_text"),
    "customer_search_name": ("commerce_customer", "name"),
}
PG_VALUE_INDEXES = {
    "ticket_search_external_id": ("tickets_ticket", "external_id"),
    "order_search_number": ("commerce_order", "number"),
    "shipment_search_tracking": ("commerce_shipment", "tracking_number"),
}
# SQLite: FTS5 table → (source table, column).
SQLITE_TABLES = {
    "tickets_subject_fts": ("tickets_ticket", "subject"),
    "tickets_message_fts": ("tickets_message", "body_text"),
    "commerce_customer_fts": ("commerce_customer", "name"),
}

WHOLE = 2
MAX_WHOLE = 1000  # a value shared by more tickets is no identifier
SUBJECT = 1


def _number(text: str) -> int | None:
    """The ticket number `text` names (`#123` or `123`): ASCII digits only (`²` and `٣` are
    digits to str.isdigit(), docs/api.md, "Tickets"), within the ids' range."""
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and int(digits) <= MAX_TICKET_NUMBER:
        return int(digits)
    return None


def _whole_value_sql(text: str) -> tuple[str, list[object]]:
    """Ids of the tickets one of whose whole values is `text`, case-insensitively, each
    through an index (`upper(…)` btree indexes, the identities' `UPPER(value)` index)."""
    number = text.removeprefix("#")
    parts = [
        "SELECT id FROM tickets_ticket WHERE upper(external_id) = upper(%s)",
        "SELECT o.ticket_id FROM tickets_ticket_orders o WHERE o.order_id IN ("
        " SELECT id FROM commerce_order WHERE upper(number) IN (upper(%s), upper(%s))"
        " UNION SELECT order_id FROM commerce_shipment WHERE upper(tracking_number) = upper(%s))",
        "SELECT t.id FROM tickets_ticket t WHERE t.customer_id IN ("
        " SELECT customer_id FROM commerce_customeridentity"
        " WHERE kind = 'email' AND UPPER(value) = UPPER(%s))",
    ]
    params: list[object] = [text, number, f"#{number}", text, text]
    ticket = _number(text)
    if ticket is not None:
        parts.insert(0, "SELECT %s")
        params.insert(0, ticket)
    return " UNION ".join(parts), params


def _words_sql(folded_query: str, raw: str) -> tuple[str, list[object], str, list[object]]:
    """(ids of the tickets whose words match, its params, ids of those whose subject does,
    its params), for the connection's database."""
    if connection.vendor == "postgresql":
        subject = (
            f"SELECT id FROM tickets_ticket WHERE {PG_TSV.format(column='subject')} @@ {PG_QUERY}"
        )
        messages = (
            "SELECT ticket_id FROM tickets_message"
            f" WHERE {PG_TSV.format(column='body_text')} @@ {PG_QUERY}"
        )
        customers = (
            "SELECT t.id FROM tickets_ticket t WHERE t.customer_id IN (SELECT id FROM"
            f" commerce_customer WHERE {PG_TSV.format(column='name')} @@ {PG_QUERY})"
        )
        return f"{subject} UNION {messages} UNION {customers}", [raw, raw, raw], subject, [raw]
    match = fts5_phrase(folded_query)
    subject = "SELECT rowid FROM tickets_subject_fts WHERE tickets_subject_fts MATCH %s"
    messages = (
        "SELECT ticket_id FROM tickets_message WHERE id IN"
        " (SELECT rowid FROM tickets_message_fts WHERE tickets_message_fts MATCH %s)"
    )
    customers = (
        "SELECT t.id FROM tickets_ticket t WHERE t.customer_id IN"
        " (SELECT rowid FROM commerce_customer_fts WHERE commerce_customer_fts MATCH %s)"
    )
    return f"{subject} UNION {messages} UNION {customers}", [match] * 3, subject, [match]


def _unescaped(text: str) -> str:
    """The query for the word index: a backslash is no word character anywhere, and
    PostgreSQL's quote_literal would write an escape string for it."""
    return text.replace("\\", " ")


def search_tickets(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """The tickets of `queryset` that `text` finds, best first (module docstring)."""
    text = text.replace("\x00", "").strip()
    if not text:
        return queryset
    words = _unescaped(text)
    has_words, whole = _first_look(text, words)
    if text.startswith("#") and _number(text) is not None:
        found: Q = Q(pk__in=whole)
    elif has_words:
        words_sql, words_params, subject_sql, subject_params = _words_sql(fold(words) or "", words)
        # One IN over a UNION: the database joins its few ids to the tickets (an OR of two INs
        # would test every ticket).
        listed = ", ".join(["%s"] * len(whole))
        union = f"SELECT id FROM tickets_ticket WHERE id IN ({listed}) UNION " if whole else ""
        found = Q(pk__in=RawSQL(union + words_sql, [*whole, *words_params]))  # noqa: S611
        rank = Case(
            When(pk__in=whole, then=Value(WHOLE)),
            When(pk__in=RawSQL(subject_sql, subject_params), then=Value(SUBJECT)),  # noqa: S611
            default=Value(0),
        )
        return _ranked(queryset.filter(found), rank)
    else:
        # No word to look up: a substring scan, as rare as such queries are.
        in_messages = Message.objects.filter(body_text__icontains=text).values("ticket_id")
        found = Q(pk__in=whole) | Q(subject__icontains=text) | Q(pk__in=in_messages)
        rank = Case(
            When(pk__in=whole, then=Value(WHOLE)),
            When(subject__icontains=text, then=Value(SUBJECT)),
            default=Value(0),
        )
        return _ranked(queryset.filter(found), rank)
    return queryset.filter(found).order_by("-updated_at", "-id")


def _ranked(queryset: QuerySet[Ticket], rank: Case) -> QuerySet[Ticket]:
    return queryset.annotate(search_rank=rank).order_by("-search_rank", "-updated_at", "-id")


def _first_look(text: str, words: str) -> tuple[bool, list[int]]:
    """Whether the query has a word the word index can take, and the ids of the tickets one
    of whose whole values it is (at most MAX_WHOLE): one query. PostgreSQL's parser decides
    the words there (its letters depend on the database's locale)."""
    whole_sql, whole_params = _whole_value_sql(text)
    if connection.vendor == "postgresql":
        sql = f"SELECT numnode({PG_QUERY}), ARRAY({whole_sql} LIMIT {MAX_WHOLE})"
        with connection.cursor() as cursor:
            cursor.execute(sql, [words, *whole_params])
            nodes, ids = cursor.fetchone()
        return bool(nodes), sorted(ids)
    with connection.cursor() as cursor:
        cursor.execute(f"{whole_sql} LIMIT {MAX_WHOLE}", whole_params)
        ids = sorted(row[0] for row in cursor.fetchall())
    return has_words(fold(words) or ""), ids


def _pg_unaccent_schema() -> str | None:
    """The schema of the `unaccent` extension, created if this role may (a superuser, or a
    trusted extension); None where it cannot be: accents are then kept (docs/deploy.md)."""
    from django.db import DatabaseError

    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        except DatabaseError:
            pass
        cursor.execute(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
            " ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def pg_fold_function_install() -> bool:
    """(Re)create `afterdesk_search_fold` on PostgreSQL; whether it drops accents."""
    from afterdesk.core.fulltext import CJK_CLASS

    schema = _pg_unaccent_schema()
    # IMMUTABLE, as an index expression must be; `unaccent` is only STABLE because its
    # dictionary could change, which `afterdesk search rebuild` follows (it reindexes).
    inner = (
        f"{connection.ops.quote_name(schema)}.unaccent('{schema}.unaccent'::regdictionary, $1)"
        if schema
        else "$1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION afterdesk_search_fold(text) RETURNS text"
            " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS"
            f" $$ SELECT regexp_replace({inner}, '([{CJK_CLASS}])', ' \\1 ', 'g') $$"
        )
    return schema is not None


def pg_indexes_create() -> None:
    with connection.cursor() as cursor:
        for name, (table, column) in PG_INDEXES.items():
            vector = PG_TSV.format(column=column)
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({vector})")
        for name, (table, column) in PG_VALUE_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (upper({column}))")


def sqlite_tables_create() -> None:
    """The FTS5 tables and their triggers (module docstring), filled from the rows."""
    with connection.cursor() as cursor:
        for fts, (table, column) in SQLITE_TABLES.items():
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='',"
                " tokenize='unicode61 remove_diacritics 0')"
            )
            insert = (
                f"INSERT INTO {fts} (rowid, {column})"
                f" VALUES (new.id, afterdesk_search_fold(new.{column}));"
            )
            delete = (
                f"INSERT INTO {fts} ({fts}, rowid, {column})"
                f" VALUES ('delete', old.id, afterdesk_search_fold(old.{column}));"
            )
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN {insert} END"
            )
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete} END"
            )
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table}"
                f" BEGIN {delete} {insert} END"
            )
            cursor.execute(f"INSERT INTO {fts} ({fts}) VALUES ('delete-all')")
            cursor.execute(
                f"INSERT INTO {fts} (rowid, {column})"
                f" SELECT id, afterdesk_search_fold({column}) FROM {table}"
            )
        for name, (table, column) in PG_VALUE_INDEXES.items():
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (upper({column}))")


def search_index_create() -> str:
    """Create (or bring back) the search index of the connection's database; a line saying
    what it did. Used by migration 0009 and `afterdesk search rebuild`."""
    if connection.vendor == "postgresql":
        unaccented = pg_fold_function_install()
        pg_indexes_create()
        return "PostgreSQL: " + ("unaccent" if unaccented else "no unaccent (accents are kept)")
    if connection.vendor == "sqlite":
        sqlite_tables_create()
        return "SQLite: FTS5"
    return f"{connection.vendor}: no full-text index (substring search)"


def search_index_rebuild() -> str:
    """Rebuild: PostgreSQL's function again (`unaccent` may have been installed since) and
    its indexes rebuilt; SQLite's tables refilled from the rows."""
    with transaction.atomic():
        done = search_index_create()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in (*PG_INDEXES, *PG_VALUE_INDEXES):
                cursor.execute(f"REINDEX INDEX {name}")
    return done


def search_index_drop() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in (*PG_INDEXES, *PG_VALUE_INDEXES):
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute("DROP FUNCTION IF EXISTS afterdesk_search_fold(text)")
        elif connection.vendor == "sqlite":
            for fts in SQLITE_TABLES:
                for suffix in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
            for name in PG_VALUE_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
