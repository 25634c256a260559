"""@mentions in text (docs/notifications.md, "Mentions"): `@username`, where a username is an
agent id (letters, digits and `. _ - + @`). An `@` right after a letter or digit is part of an
email address, not a mention; a full stop or hyphen that ends a sentence is not part of the
name. Pure text functions: which people may be told is the caller's rule."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

MENTION = re.compile(r"(?<![\w@.+-])@([\w][\w.+-]*)")
MAX_MENTIONS = 20


def _name(match: re.Match[str]) -> str:
    return match.group(1).rstrip(".-+")


def mentions_find(text: str) -> list[str]:
    """The usernames mentioned, in order, each once, at most MAX_MENTIONS (a note that names
    the whole desk is not a broadcast)."""
    found: list[str] = []
    seen: set[str] = set()
    for match in MENTION.finditer(text):
        name = _name(match)
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            found.append(name)
            if len(found) == MAX_MENTIONS:
                break
    return found


def mentions_highlight(text: str) -> SafeString:
    """The text escaped, line breaks kept, each mention wrapped in `<span class="mention">`."""

    def wrap(match: re.Match[str]) -> str:
        name = _name(match)
        rest = match.group(1)[len(name) :]
        return f'<span class="mention">@{name}</span>{rest}'

    escaped = str(escape(text))
    highlighted = MENTION.sub(wrap, escaped)
    lines = highlighted.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return mark_safe("<br>".join(lines))  # noqa: S308 - escaped above, our own tags only
