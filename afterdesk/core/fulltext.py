"""Full-text search helpers shared by the apps that index text (tickets, the knowledge base).

`fold` is what both sides of a match go through on SQLite, where it runs in Python (the
triggers of the tickets' FTS5 tables call it as the SQL function `afterdesk_search_fold`,
installed on every SQLite connection by `sqlite_functions_install`). PostgreSQL has its own
`afterdesk_search_fold` in SQL (tickets migration 0009), doing the same with `unaccent`: the
text of an index and the text of a query are always folded by the same function.

Folding: compatibility forms (`ﬁ` → `fi`, full-width → ASCII, half-width kana → kana),
accents dropped (`José` → `jose`; the kana's voicing marks are kept: `が` is not `か`), case
folded (`ß` → `ss`), and a space on each side of every Chinese or Japanese character.
Chinese and Japanese are written without spaces, so a word tokenizer would take a whole
sentence as one word; spaced out, each character is a token and a word of the query is a
phrase of consecutive characters (`退款` = `退` followed by `款`), which is what bigrams
would find, with the index of single characters.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

# Kana, CJK ideographs (with extension A) and compatibility ideographs. Hangul is written with
# spaces between words and is left as it is.
CJK_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CLASS}]")
_CJK_CHAR = re.compile(f"([{CJK_CLASS}])")
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
    return _CJK_CHAR.sub(r" \1 ", folded)


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
