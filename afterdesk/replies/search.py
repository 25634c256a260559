"""The knowledge base's full-text search, one selector over both databases (docs/replies.md,
"Knowledge base").

`Article.search_text` holds the lowercased title, tags and body. Each word of the query must
match (AND):

- PostgreSQL: a word of letters and digits is a prefix match in a `tsvector` ('simple'
  configuration, no stemming: the articles are in six languages), ranked by `ts_rank`, over
  a GIN index on that expression (migration 0002).
- SQLite: a word of three characters or more is matched by an FTS5 table with the trigram
  tokenizer (`replies_article_fts`, rowid = article id, kept by `index_article`), ranked by
  bm25.
- Chinese and Japanese are written without spaces, so neither tokenizer finds a two-character
  word inside a sentence: such words (and any word the above cannot take) are a substring
  match on `search_text`.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import QuerySet

from afterdesk.core.fulltext import CJK, fts5_string
from afterdesk.replies.models import Article

FTS_TABLE = "replies_article_fts"
MAX_TERMS = 8
# Chinese and Japanese (core.fulltext) and Hangul: words matched as substrings (above).
_CJK = re.compile(f"{CJK.pattern}|[\uac00-\ud7af]")
_WORD = re.compile(r"^\w+$")


def search_text(*, title: str, tags: str, body: str) -> str:
    return f"{title}\n{tags}\n{body}".lower()


def index_article(article: Article) -> None:
    """Keep the SQLite full-text table in step with the article (PostgreSQL indexes the
    column itself)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, search_text) VALUES (%s, %s)",  # noqa: S608
            [article.pk, article.search_text],
        )


def unindex_article(article_id: int) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article_id])  # noqa: S608


def terms_of(query: str) -> list[str]:
    words = [word for word in query.lower().split() if word.strip()]
    return [word[:100] for word in words[:MAX_TERMS]]


def articles_matching(articles: QuerySet[Article], query: str) -> list[Article]:
    """The articles of `articles` with every word of `query`, best first."""
    terms = terms_of(query)
    if not terms:
        return list(articles)
    if connection.vendor == "postgresql":
        return _postgresql(articles, terms)
    return _sqlite(articles, terms)


def _substring(articles: QuerySet[Article], terms: list[str]) -> QuerySet[Article]:
    for term in terms:
        articles = articles.filter(search_text__contains=term)
    return articles


def _postgresql(articles: QuerySet[Article], terms: list[str]) -> list[Article]:
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    words = [t for t in terms if _WORD.match(t) and not _CJK.search(t)]
    articles = _substring(articles, [t for t in terms if t not in words])
    if not words:
        return list(articles)
    # Prefix matches of plain words: no operator of the query language can get in.
    raw = " & ".join(f"{word}:*" for word in words)
    query = SearchQuery(raw, config="simple", search_type="raw")
    vector = SearchVector("search_text", config="simple")
    found = articles.annotate(found=vector).filter(found=query)
    return list(found.annotate(rank=SearchRank(vector, query)).order_by("-rank", "title", "id"))


def _sqlite(articles: QuerySet[Article], terms: list[str]) -> list[Article]:
    long = [t for t in terms if len(t) >= 3]
    articles = _substring(articles, [t for t in terms if len(t) < 3])
    if not long:
        return list(articles)
    # Each word a quoted FTS5 string: matched as text, never as syntax.
    match = " AND ".join(fts5_string(t) for t in long)
    with connection.cursor() as cursor:
        # The table's name is ours; the words are a parameter.
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank LIMIT 500"  # noqa: S608
        cursor.execute(sql, [match])
        order = {row[0]: position for position, row in enumerate(cursor.fetchall())}
    # The FTS table is not a Django model: a flush of the database (tests) leaves its rows
    # behind. Matching the words again on the article itself keeps a stale row from showing a
    # wrong article (trigram MATCH of a quoted word is a case-insensitive substring match).
    found = [
        article
        for article in articles.filter(pk__in=list(order))
        if all(term in article.search_text for term in long)
    ]
    found.sort(key=lambda article: order[article.pk])
    return found
