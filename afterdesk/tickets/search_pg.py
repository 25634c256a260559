"""PostgreSQL's part of the inbox search (afterdesk/tickets/search.py): its SQL functions and
how one searched table hands over its newest matches.

SQL functions, (re)created by `pg_functions_install` (migrations 0009, 0012, 0014 and
`afterdesk search rebuild`):

- `afterdesk_search_fold(text)`: the text as the index holds it (`unaccent` when the
  extension could be created; runs of Chinese and Japanese as overlapping bigrams).
- `afterdesk_search_query(text)`: a query as a phrase whose last word is a prefix
  (`'parcel' <-> 'dam':*`), its words as PostgreSQL's parser reads the folded query: the same
  words at the same positions as in a stored vector.
- `afterdesk_search_pairs(tsvector)`: the pairs of neighbouring words of a stored vector
  (`'parcel arrived'`, `'arrived damaged'`), the lexemes of a second GIN index on each searched
  table. A phrase of two frequent words ("parcel damaged": each word in a sixth of the
  messages, never side by side) is a few rows there, where the word index proposes every
  message with both words, each of which must then be read to check the phrase (300 ms at a
  million tickets). A text whose pairs would not fit a tsvector (more than 500 kB of them) has
  the one lexeme `' '` instead, which every phrase query also accepts.
- `afterdesk_search_pair_query(text)`: what a phrase's rows have among their pairs (each pair
  of the query's neighbouring words, the last one a prefix, or `' '`); NULL for one word.
"""

# The SQL here is built from this module's constants; the searched text is always a parameter.
# ruff: noqa: S608

from __future__ import annotations

from django.db import DatabaseError, connection, transaction

from afterdesk.core.fulltext import CJK_CLASS

# The newest rows of a table that every search reads first (`newest_sql`).
RECENT_ROWS = 5000
# The most rows a second walk reads (~130 ms), for a word too rare for the first one.
WALK_MAX_ROWS = 300_000
# A second walk reads up to this many times the rows its word should need, and is not
# started when those do not fit WALK_MAX_ROWS: a word only now frequent (in the newest rows,
# rarely before) is then read from the index after a short walk.
WALK_MARGIN = 3
# A match read through the word index costs about as much as this many rows walked by id
# (bitmap heap scan and phrase check vs. the pk index's next row; measured at 100k and 1M).
INDEX_MATCH_COST = 8
# A pair's lexeme must be shorter than tsvector's 2 kB limit (`afterdesk_search_pairs`).
PAIR_MAX_BYTES = 2047
PAIRS_MAX_BYTES = 500_000

_WORDS = (
    "SELECT w, n, max(n) OVER () AS last FROM unnest(to_tsvector('simple'::regconfig,"
    " regexp_replace(afterdesk_search_fold($1),"
    f" '([{CJK_CLASS}]{{2}}) [{CJK_CLASS}](\\s*)$', '\\1\\2'))) AS u(w, ns, x), unnest(ns) AS n"
)
# A lexeme quoted for the tsquery input: quotes and backslashes doubled.
_QUOTED = "'''' || replace(replace({w}, '\\', '\\\\'), '''', '''''') || ''''"
_PREFIX = "CASE WHEN {n} = {last} THEN ':*' ELSE '' END"
_PAIR = _QUOTED.format(w="a.w || ' ' || b.w") + " || " + _PREFIX.format(n="b.n", last="b.last")
FUNCTIONS = (
    # A query: a phrase, its last word a prefix (only the last: a pair's first word is whole).
    "CREATE OR REPLACE FUNCTION afterdesk_search_query(text) RETURNS tsquery"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE AS $$"
    f" SELECT string_agg({_QUOTED.format(w='w')} || {_PREFIX.format(n='n', last='last')},"
    f" ' <-> ' ORDER BY n)::tsquery FROM ({_WORDS}) t $$",
    # The pairs of neighbouring words of a stored vector.
    "CREATE OR REPLACE FUNCTION afterdesk_search_pairs(tsvector) RETURNS tsvector"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$"
    f" SELECT CASE WHEN coalesce(sum(octet_length(p) + 8), 0) < {PAIRS_MAX_BYTES}"
    " THEN array_to_tsvector(coalesce(array_agg(p), '{}'::text[]))"
    " ELSE array_to_tsvector(ARRAY[' ']) END"
    " FROM (SELECT DISTINCT a.w || ' ' || b.w AS p"
    " FROM (SELECT w, unnest(n) AS n FROM unnest($1) AS u(w, n, x)) a"
    " JOIN (SELECT w, unnest(n) AS n FROM unnest($1) AS u(w, n, x)) b ON b.n = a.n + 1"
    f" WHERE octet_length(a.w) + octet_length(b.w) < {PAIR_MAX_BYTES}) pairs $$",
    # A phrase's pairs, all of which its rows have (or the lexeme of too long a text).
    "CREATE OR REPLACE FUNCTION afterdesk_search_pair_query(text) RETURNS tsquery"
    " LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE AS $$"
    f" WITH t AS ({_WORDS})"
    f" SELECT ('(' || string_agg({_PAIR}, ' & ') || ') | '' ''')::tsquery"
    " FROM t a JOIN t b ON b.n = a.n + 1"
    f" WHERE octet_length(a.w) + octet_length(b.w) < {PAIR_MAX_BYTES} $$",
)
QUERY = "afterdesk_search_query(%s)"
PAIR_QUERY = "afterdesk_search_pair_query(%s)"


def _unaccent_schema() -> str | None:
    """The schema of the `unaccent` extension, created if this role may (a superuser, or a
    trusted extension); None where it cannot be: accents are then kept (docs/deploy.md)."""
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


def pg_functions_install() -> bool:
    """(Re)create the search's SQL functions (module docstring); whether the fold drops
    accents."""
    schema = _unaccent_schema()
    # IMMUTABLE, as a generated column's expression must be; `unaccent` is only STABLE because
    # its dictionary could change, which `afterdesk search rebuild` follows (it computes the
    # columns again). PARALLEL UNSAFE: every search names it, which keeps the whole search in
    # one process: its walks read a few thousand rows, and starting parallel workers for them
    # (15-20 ms) costs more than the walk.
    inner = (
        f"{connection.ops.quote_name(schema)}.unaccent('{schema}.unaccent'::regdictionary, $1)"
        if schema
        else "$1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE OR REPLACE FUNCTION afterdesk_search_fold(text) RETURNS text"
            " LANGUAGE sql IMMUTABLE STRICT PARALLEL UNSAFE AS"
            " $$ SELECT regexp_replace("
            f"regexp_replace({inner}, '([{CJK_CLASS}]+)', ' \\1 ', 'g'),"
            f" '(?<=[{CJK_CLASS}])([{CJK_CLASS}])', '\\1 \\1', 'g') $$"
        )
        for function in FUNCTIONS:
            cursor.execute(function)
    return schema is not None


def newest_sql(table: str, column: str, max_matches: int) -> tuple[str, int]:
    """(`column` of the newest `max_matches` rows of `table` whose stored vector matches the
    query, how many times the SQL takes the query as a parameter). Three bounded steps, so that
    neither the planner's guess at a word's frequency nor the word's frequency sets the cost:

    1. walk the newest RECENT_ROWS rows by id, checking each row's vector (no index); a word
       in at least `max_matches` of them ends the search there;
    2. otherwise their count is the word's frequency among recent rows, from which the cost
       of walking on until `max_matches` matches (`max_matches` / frequency rows) and that of
       reading all its matches from the index (frequency × the table's rows, each
       INDEX_MATCH_COST) are known: when the walk is cheaper (a word in 1 % of the rows of a
       table of millions), walk up to WALK_MARGIN times the rows it should need, if those
       fit WALK_MAX_ROWS;
    3. otherwise, or if that walk still found fewer, the index gives all the matches, the
       newest `max_matches` kept (`id + 0`: sorted, never a walk of the whole table). A phrase
       of several words is looked up by its pairs of words (`afterdesk_search_pairs`), then
       checked as a phrase: only its own rows are read, however frequent each word is.
    """
    match = f"coalesce(search_vector, ''::tsvector) @@ {QUERY}"
    newest = f"SELECT id, {column} AS v, search_vector FROM {table} ORDER BY id DESC"
    rows = f"(SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = '{table}'::regclass)"
    needs = f"{WALK_MARGIN} * {RECENT_ROWS} * {max_matches}"  # × the rows needed, × k
    walk_rows = f"least({WALK_MAX_ROWS}, {needs} / greatest(k, 1))"
    walk_pays = (
        f"k < {max_matches} AND {needs} <= k * {WALK_MAX_ROWS}"
        f" AND k * k * {rows} * {INDEX_MATCH_COST} > {RECENT_ROWS}.0 ^ 2 * {max_matches}"
    )
    # One word: its own index entries are exact; several: the pairs, then the phrase.
    indexed = (
        f"CASE WHEN {PAIR_QUERY} IS NULL THEN search_vector @@ {QUERY}"
        f" ELSE afterdesk_search_pairs(search_vector) @@ {PAIR_QUERY} AND {match} END"
    )
    sql = (
        f"(WITH recent AS MATERIALIZED (SELECT id, v FROM ({newest} LIMIT {RECENT_ROWS}) r"
        f" WHERE {match} ORDER BY id DESC LIMIT {max_matches}),"
        " sampled AS MATERIALIZED (SELECT count(*) AS k FROM recent),"
        f" walked AS MATERIALIZED (SELECT id, v FROM ({newest}"
        f" LIMIT (SELECT {walk_rows} FROM sampled)) r WHERE {match}"
        f" AND (SELECT {walk_pays} FROM sampled) ORDER BY id DESC LIMIT {max_matches})"
        f" SELECT v FROM recent WHERE (SELECT k FROM sampled) >= {max_matches}"
        f" UNION ALL SELECT v FROM walked WHERE (SELECT count(*) FROM walked) >= {max_matches}"
        f" UNION ALL SELECT v FROM (SELECT {column} AS v FROM {table} WHERE {indexed}"
        f" AND (SELECT k FROM sampled) < {max_matches}"
        f" AND (SELECT count(*) FROM walked) < {max_matches}"
        f" ORDER BY id + 0 DESC LIMIT {max_matches}) older)"
    )
    return sql, 6
