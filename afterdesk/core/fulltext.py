"""Full-text search helpers shared by the apps that index text (tickets, the knowledge base).

`fold` is what both sides of a match go through on SQLite, where it runs in Python (the
triggers of the tickets' FTS5 tables call it as the SQL function `afterdesk_search_fold`,
installed on every SQLite connection by `sqlite_functions_install`). PostgreSQL has its own
`afterdesk_search_fold` in SQL (tickets migrations 0009, 0012), the same with `unaccent`: the
text of an index and the text of a query are always folded by the same function.

Folding: compatibility forms (`ﬁ` → `fi`, full-width → ASCII, half-width kana → kana),
accents dropped (`José` → `jose`; the kana's voicing marks are kept: `が` is not `か`), case
folded (`ß` → `ss`), and each run of Chinese or Japanese characters written as its overlapping
bigrams, the run's last character alone at its end (`我要退款` → ` 我要 要退 退款 款 `).
Chinese and Japanese are written without spaces, so a word tokenizer would take a whole
sentence as one word; as bigrams, a word of two characters (most Chinese words) is one token
of the index, as selective as the word itself, a longer one a phrase of consecutive bigrams,
and a single character the prefix of a token (every character starts one: a bigram, or the
run's last character).

A query is folded the same way, less the last run's final character (`query_fold`): `退款`
becomes the one token `退款`, which the query's last-word prefix (`退款*`) matches exactly.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Kana, CJK ideographs (with extension A) and compatibility ideographs. Hangul is written with
# spaces between words and is left as it is.
CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CLASS}]")
_CJK_RUN = re.compile(f"([{CJK_CLASS}]+)")
# A character after another of its run: written as the bigram's end, a space, and its own start.
_CJK_FOLLOWER = re.compile(f"(?<=[{CJK_CLASS}])([{CJK_CLASS}])")
# A query's last run: its final character alone, after the last bigram (query_fold).
_CJK_QUERY_TAIL = re.compile(f"([{CJK_CLASS}]{{2}}) [{CJK_CLASS}](\\s*)$")
_KANA_VOICING = {"\u3099", "\u309a"}


def fold(text: str | None) -> str | None:
    """The text as both sides of a match see it (module docstring). None stays None (SQL's
    NULL)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        char for char in decomposed if not unicodedata.combining(char) or char in _KANA_VOICING
    )
    folded = unicodedata.normalize("NFC", kept).casefold()
    return _CJK_FOLLOWER.sub(r"\1 \1", _CJK_RUN.sub(r" \1 ", folded))


def query_fold(text: str) -> str:
    """A query as `fold` writes it, without the single character that ends its last run of
    Chinese or Japanese (module docstring): `退款` → ` 退款`, looked up as one token."""
    return _CJK_QUERY_TAIL.sub(r"\1\2", fold(text) or "")


def has_words(folded: str) -> bool:
    """Whether a word tokenizer (FTS5's unicode61: letters, digits, private use) finds a
    token in the text; a query without one (emoji, punctuation) cannot use a word index."""
    return any(unicodedata.category(char)[0] in "LN" for char in folded)


def fts5_phrase(text: str, *, prefix: bool = True) -> str:
    """An FTS5 query that matches `text` as a phrase, the last word as a prefix: one quoted
    string (its quotes doubled), so that no character of the text is read as syntax."""
    return '"' + text.replace('"', '""') + '"' + (" *" if prefix else "")


def fts5_string(text: str) -> str:
    """One FTS5 string: `text` matched as text, never as query syntax."""
    return fts5_phrase(text, prefix=False)


def sqlite_functions_install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: `afterdesk_search_fold` on SQLite connections, for the
    triggers that keep the full-text tables current (deterministic, so SQLite may use it in
    indexes and triggers)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("afterdesk_search_fold", 1, fold, deterministic=True)
