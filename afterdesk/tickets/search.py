"""The inbox's full-text search, one selector over both databases (docs/ui.md, "Search").

What is searched: the ticket's subject, the text of its messages (notes included: only agents
search) and its buyer's name, as words; its number (`#123` or `123`), history id, orders'
numbers (with or without `#`), parcels' tracking numbers and its buyer's email address, as
whole values (case-insensitive: a part of a tracking number is not one).

The index is kept by the database itself, so it is exact whatever wrote the rows (a click,
the email ingester's batches, the history importer's bulk inserts, a store sync renaming a
buyer) and no write pays a query more:

- PostgreSQL: a stored generated column `search_vector`,
  `to_tsvector('simple', afterdesk_search_fold(column))`, on `tickets_ticket` (subject),
  `tickets_message` (body_text) and `commerce_customer` (name), each with a GIN index
  (migrations 0009 and 0012), and a GIN index of its pairs of neighbouring words (migration
  0014), which finds a phrase of frequent words in its own rows only. `afterdesk_search_fold`
  is an SQL function: `unaccent` when the extension could be created, and runs of Chinese and
  Japanese written as overlapping bigrams (`core.fulltext`); the 'simple' configuration does
  not stem, as tickets come in any language. Stored, the vector is not parsed again when a
  row is checked (a phrase on every row an index proposes; each row of a walk below). The SQL
  functions and the ways to a word's matches are `search_pg`'s. Whole values are btree
  indexes on `upper(…)`.
- SQLite: FTS5 tables without content (`tickets_subject_fts`, `tickets_message_fts`,
  `commerce_customer_fts`, rowid = the row's id, the unicode61 tokenizer), filled by triggers
  on insert, update and delete with `afterdesk_search_fold(…)`, the Python `core.fulltext.fold`.

A query is folded the same way (`core.fulltext.query_fold`) and matched as a phrase whose last
word is a prefix (`refund pl` finds "Refund please"; `订单`, one bigram, finds 我的订单没有到);
characters of the query languages (`"`, `:*`, `&`, `*`) are text. A query with no letter or
digit (an emoji, punctuation) is a substring match on subjects and messages instead. `#123`
(`#` and digits) is a number only: a ticket or an order, never text.

Ranking: a whole-value match first (ticket, order, tracking number, email), then a match in
the subject, then the rest; newest update first within each. A word in hundreds of thousands
of tickets costs no more than a rare one: each source hands over at most its newest
MAX_MATCHES matches (subjects by ticket, messages by message, buyers by buyer, newest id
first), and the best MAX_MATCHES of those are the search's. On PostgreSQL a word in a large
share of the tickets is found by walking the newest rows (`search_pg.newest_sql`: the newest
5,000, then as many more as the word's frequency among those says it needs, when walking
costs less than reading the word's matches), without reading and sorting hundreds of
thousands of matches; a rarer one from the index, all its matches.
SQLite's FTS5 hands over the matches newest rowid first and stops at the LIMIT by itself. A
search that reaches MAX_MATCHES says so (`SearchResults.capped`: "1,000+ tickets").
"""

# The SQL here is built from this module's constants (tables, columns, index names); the
# searched text is always a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce

from afterdesk.core.fulltext import fold, fts5_phrase, has_words, query_fold
from afterdesk.tickets.models import Message, Ticket
from afterdesk.tickets.search_pg import QUERY, newest_sql, pg_functions_install

MAX_TICKET_NUMBER = 2**63 - 1
# The stored, GIN-indexed column of each searched table (migration 0012).
PG_TSV = "to_tsvector('simple'::regconfig, afterdesk_search_fold({column}))"
PG_VECTOR = "search_vector"
PG_INDEXES = {
    "ticket_search_vector": ("tickets_ticket", "subject"),
    "message_search_vector": ("tickets_message", "body_text"),
    "customer_search_vector": ("commerce_customer", "name"),
}
PG_NO_JIT = "SET LOCAL jit = off;"
# The pairs of neighbouring words of each vector (`search_pg`, migration 0014).
PG_PAIR_INDEXES = {
    "ticket_search_pairs": "tickets_ticket",
    "message_search_pairs": "tickets_message",
    "customer_search_pairs": "commerce_customer",
}
# GIN keeps new rows' words in a pending list, read in full by every search until VACUUM
# (or the list's limit) moves them into the index: at the default 4 MB, 500 pages and 20 ms
# a search on a desk written to since its last VACUUM. 128 kB: 16 pages; a write that fills
# the list moves it (a few dozen messages' words).
PG_PENDING_LIST_KB = 128
# Migration 0009's expression indexes, which the stored columns replace.
PG_OLD_INDEXES = ("ticket_search_subject", "message_search_body", "customer_search_name")
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
# A search lists its best matches (whole values, then the subject, then the newest tickets) up
# to this many: a word in a tenth of a million tickets is no search.
MAX_MATCHES = 1000
SUBJECT = 1


def _number(text: str) -> int | None:
    """The ticket number `text` names (`#123` or `123`): ASCII digits only (`²` and `٣` are
    digits to str.isdigit(), docs/api.md, "Tickets"), within the ids' range."""
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and int(digits) <= MAX_TICKET_NUMBER:
        return int(digits)
    return None


def _in(column: str, subquery: str) -> str:
    """`column IN (subquery)`; on PostgreSQL `= ANY(ARRAY(…))`, which it runs first and then
    looks up by index: its row estimates for full-text matches are far too high, and with
    `IN` it would hash-join whole tables."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(ARRAY({subquery}))"
    return f"{column} IN ({subquery})"


def _whole_value_sql(text: str) -> tuple[str, list[int | str]]:
    """Ids of the tickets one of whose whole values is `text`, case-insensitively, each
    through an index (`upper(…)` btree indexes, the identities' `UPPER(value)` index)."""
    number = text.removeprefix("#")
    orders = (
        "SELECT id FROM commerce_order WHERE upper(number) IN (upper(%s), upper(%s))"
        " UNION SELECT order_id FROM commerce_shipment WHERE upper(tracking_number) = upper(%s)"
    )
    buyers = (
        "SELECT customer_id FROM commerce_customeridentity"
        " WHERE kind = 'email' AND UPPER(value) = UPPER(%s)"
    )
    parts = [
        "SELECT id FROM tickets_ticket WHERE upper(external_id) = upper(%s)",
        f"SELECT ticket_id AS id FROM tickets_ticket_orders WHERE {_in('order_id', orders)}",
        f"SELECT id FROM tickets_ticket WHERE {_in('customer_id', buyers)}",
    ]
    params: list[int | str] = [text, number, f"#{number}", text, text]
    ticket = _number(text)
    if ticket is not None:
        parts.insert(0, "SELECT %s AS id")
        params.insert(0, ticket)
    return " UNION ".join(parts), params


def _words_sql(words: str) -> tuple[str, str, list[str], list[str]]:
    """(ids of the tickets whose subject matches, ids of those whose messages or buyer's
    name do, the parameters of each) for the connection's database: from each source its
    newest MAX_MATCHES matches (module docstring)."""
    if connection.vendor == "postgresql":
        subject, taken = newest_sql("tickets_ticket", "id", MAX_MATCHES)
        messages = newest_sql("tickets_message", "ticket_id", MAX_MATCHES)[0]
        names = newest_sql("commerce_customer", "id", MAX_MATCHES)[0]
        subject = f"SELECT v AS id FROM {subject} s"
        messages = f"SELECT v AS id FROM {messages} m"
        names = f"SELECT v FROM {names} c"
        params = [words] * taken
    else:
        subject = (
            "SELECT rowid AS id FROM tickets_subject_fts WHERE tickets_subject_fts MATCH %s"
            f" ORDER BY rowid DESC LIMIT {MAX_MATCHES}"
        )
        messages = (
            "SELECT ticket_id AS id FROM tickets_message WHERE id IN"
            " (SELECT rowid FROM tickets_message_fts WHERE tickets_message_fts MATCH %s"
            f" ORDER BY rowid DESC LIMIT {MAX_MATCHES})"
        )
        names = (
            "SELECT rowid FROM commerce_customer_fts WHERE commerce_customer_fts MATCH %s"
            f" ORDER BY rowid DESC LIMIT {MAX_MATCHES}"
        )
        params = [fts5_phrase(query_fold(words))]
    # The tickets of at most MAX_MATCHES buyers, by the customer index (`id + 0`: no walk).
    buyers = (
        f"SELECT id FROM (SELECT id FROM tickets_ticket WHERE {_in('customer_id', names)}"
        f" ORDER BY id + 0 DESC LIMIT {MAX_MATCHES}) b"
    )
    return subject, f"{messages} UNION ALL {buyers}", params, params * 2


def _unescaped(text: str) -> str:
    """The query for the word index: a backslash is no word character anywhere, and
    PostgreSQL's quote_literal would write an escape string for it."""
    return text.replace("\\", " ")


def _matches(text: str) -> tuple[bool, list[tuple[int, int]]]:
    """Whether the query has a word the word index can take, and the best MAX_MATCHES
    (ticket id, rank) it finds, best rank then newest ticket first: one query. On PostgreSQL
    its parser decides what a word is (its letters depend on the database's locale)."""
    words = _unescaped(text)
    whole_sql, params = _whole_value_sql(text)
    parts = [f"SELECT id, {WHOLE} AS r FROM ({whole_sql}) w"]
    params = list(params)
    number_only = text.startswith("#") and _number(text) is not None
    word_index = connection.vendor == "postgresql" or has_words(fold(words) or "")
    if word_index and not number_only:
        subject, rest, subject_params, rest_params = _words_sql(words)
        parts.append(f"SELECT id, {SUBJECT} FROM ({subject}) s")
        parts.append(f"SELECT id, 0 FROM ({rest}) o")
        params += subject_params + rest_params
    ranked = (
        f"SELECT id, MAX(r) FROM ({' UNION ALL '.join(parts)}) m"
        f" GROUP BY id ORDER BY MAX(r) DESC, id DESC LIMIT {MAX_MATCHES}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Without JIT: the plan's cost counts every way to the matches, though one runs
            # (`search_pg.newest_sql`), and at a million tickets passes `jit_above_cost`;
            # compiling it took 60-70 ms of a 75 ms search. One statement more in the same
            # round trip; SET LOCAL lasts until the end of the transaction (this statement's
            # own outside one).
            cursor.execute(
                f"{PG_NO_JIT} SELECT numnode({QUERY}),"
                f" ARRAY(SELECT ARRAY[id, r] FROM ({ranked}) k(id, r))",
                [words, *params],
            )
            cursor.nextset()
            nodes, pairs = cursor.fetchone()
            return bool(nodes), [(int(pk), int(rank)) for pk, rank in pairs]
        cursor.execute(ranked, params)
        return word_index, [(int(pk), int(rank)) for pk, rank in cursor.fetchall()]


def _search(
    queryset: QuerySet[Ticket], text: str, *, ranked: bool = True
) -> tuple[QuerySet[Ticket], dict[int, int] | None]:
    """(the tickets of `queryset` that `text` finds, ranked; their ranks by id, or None for a
    substring search, which has no list of matches). With `ranked` False and a list of
    matches, `queryset` comes back as it was: building the ranked queryset's conditions on up
    to MAX_MATCHES ids costs 20 ms that `SearchResults` does not need."""
    text = text.replace("\x00", "").strip()
    if not text:
        return queryset, None
    word_index, matches = _matches(text)
    whole = [pk for pk, rank in matches if rank == WHOLE]
    ranks: dict[int, int] | None = None
    if word_index or (text.startswith("#") and _number(text) is not None):
        ranks = dict(matches)
        if not ranked:
            return queryset, ranks
        subject = [pk for pk, rank in matches if rank == SUBJECT]
        found: Q = Q(pk__in=list(ranks))
        rank = Case(
            When(pk__in=whole, then=Value(WHOLE)),
            When(pk__in=subject, then=Value(SUBJECT)),
            default=Value(0),
        )
    else:
        # No word to look up: a substring scan, as rare as such queries are.
        in_messages = Message.objects.filter(body_text__icontains=text).values("ticket_id")
        found = Q(pk__in=whole) | Q(subject__icontains=text) | Q(pk__in=in_messages)
        rank = Case(
            When(pk__in=whole, then=Value(WHOLE)),
            When(subject__icontains=text, then=Value(SUBJECT)),
            default=Value(0),
        )
    ordered = (
        queryset.filter(found)
        .annotate(search_rank=rank)
        .order_by("-search_rank", "-updated_at", "-id")
    )
    return ordered, ranks


def search_tickets(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """The tickets of `queryset` that `text` finds, best first (module docstring): the best
    MAX_MATCHES matches are found first, then the user's filters and visibility apply to them."""
    return _search(queryset, text)[0]


class SearchResults:
    """A search's tickets as a sliceable sequence with `count()` (what `Paginator` and the
    API's `paginate` take), for the inbox.

    Sorting a search's few matches in SQL lets the database walk the inbox's update index
    until it meets them, most of the table for a word of old tickets; instead one query reads
    the (id, updated_at) of the matches the user may see, they are sorted here by rank and
    recency, and a slice loads only its tickets by id.
    """

    def __init__(self, queryset: QuerySet[Ticket], ranks: dict[int, int]) -> None:
        self.queryset = queryset  # the user's tickets, with the page's joins
        self.ranks = ranks
        self._order: list[int] | None = None

    def _ordered(self) -> list[int]:
        if self._order is None:
            matches = self.queryset.filter(pk__in=list(self.ranks)).prefetch_related(None)
            # Newest update first, sorted by the database on an expression that no index
            # has (no walk of the update index; no datetime built in Python per match), then
            # by rank here (a stable sort keeps the recency order within a rank).
            recency = Coalesce("updated_at", "created_at")
            newest = matches.order_by(recency.desc(), "-pk").values_list("pk", flat=True)
            self._order = sorted(newest, key=lambda pk: self.ranks[pk], reverse=True)
        return self._order

    @property
    def capped(self) -> bool:
        """Whether the search reached MAX_MATCHES: more tickets may match than it lists (the
        page says "1,000+ tickets")."""
        return len(self.ranks) >= MAX_MATCHES

    def count(self) -> int:
        return len(self._ordered())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[Ticket]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("SearchResults takes a slice without a step")
        page = self._ordered()[index]
        # By id, unordered: ordered, the database would walk the update index to find them.
        loaded = {ticket.pk: ticket for ticket in self.queryset.filter(pk__in=page).order_by()}
        return [loaded[pk] for pk in page]


def search_results(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket] | SearchResults:
    """What the inbox and the API list for a search: `SearchResults`, or the ranked queryset
    of a substring search."""
    found, ranks = _search(queryset, text, ranked=False)
    if ranks is None:
        return found
    return SearchResults(queryset, ranks)


def pg_indexes_create() -> None:
    """The stored vectors and their GIN indexes, of words and of pairs of words (module
    docstring), in place of migration 0009's expression indexes; the `upper(…)` indexes of
    whole values."""
    with connection.cursor() as cursor:
        for name in PG_OLD_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        for name, (table, column) in PG_INDEXES.items():
            vector = PG_TSV.format(column=column)
            cursor.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {PG_VECTOR} tsvector"
                f" GENERATED ALWAYS AS ({vector}) STORED"
            )
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({PG_VECTOR})"
                f" WITH (gin_pending_list_limit = {PG_PENDING_LIST_KB})"
            )
            cursor.execute(
                f"ALTER INDEX {name} SET (gin_pending_list_limit = {PG_PENDING_LIST_KB})"
            )
        for name, table in PG_PAIR_INDEXES.items():
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table}"
                f" USING gin (afterdesk_search_pairs({PG_VECTOR}))"
                f" WITH (gin_pending_list_limit = {PG_PENDING_LIST_KB})"
            )
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
        unaccented = pg_functions_install()
        pg_indexes_create()
        return "PostgreSQL: " + ("unaccent" if unaccented else "no unaccent (accents are kept)")
    if connection.vendor == "sqlite":
        sqlite_tables_create()
        return "SQLite: FTS5"
    return f"{connection.vendor}: no full-text index (substring search)"


def _pg_vectors_drop() -> None:
    with connection.cursor() as cursor:
        for table, _column in PG_INDEXES.values():
            cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {PG_VECTOR}")


def search_index_rebuild() -> str:
    """Rebuild: PostgreSQL's function again (`unaccent` may have been installed since) and
    the stored vectors computed again with it (a table rewrite each); SQLite's tables
    refilled from the rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            _pg_vectors_drop()
        done = search_index_create()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for name in PG_VALUE_INDEXES:
                cursor.execute(f"REINDEX INDEX {name}")
    return done


def search_index_drop() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _pg_vectors_drop()
            for name in (*PG_OLD_INDEXES, *PG_VALUE_INDEXES):
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
            for function in ("fold(text)", "query(text)", "pair_query(text)", "pairs(tsvector)"):
                cursor.execute(f"DROP FUNCTION IF EXISTS afterdesk_search_{function}")
        elif connection.vendor == "sqlite":
            for fts in SQLITE_TABLES:
                for suffix in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
                cursor.execute(f"DROP TABLE IF EXISTS {fts}")
            for name in PG_VALUE_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
