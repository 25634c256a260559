"""English texts kept in the database, shown in the reader's language (docs/ui.md,
"Languages").

A store sync's error, a webhook delivery's reason or an import's line error is written in
English, whatever the language of whoever caused it: the API, the logs and the exports read
it as written, and the row stays the same for every reader. A page shows it through
`StoredText.shown`: the text is matched against the English msgids it was written from (their
`%(name)s` placeholders match any text), and the match's translation is filled with the same
values, each of them shown the same way in turn (an error quoted inside another); texts
joined by "; " are shown one by one. A text no
msgid matches (a platform's own words) is shown as stored. With the English interface the
translation is the msgid itself, so the text comes back unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.translation import gettext

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Texts longer than this are shown as stored: matching a msgid's placeholders against a text
# costs time growing with the square of its length (a 6,000-character error took seconds),
# and a platform's or a file's text can be long and made to be. Every sentence Afterdesk
# writes, with its values, is far shorter.
MAX_MATCHED = 600


def _pattern(msgid: str) -> re.Pattern[str]:
    parts = []
    last = 0
    for match in _PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[last : match.start()]))
        parts.append(f"(?P<{match.group(1)}>.+?)")
        last = match.end()
    parts.append(re.escape(msgid[last:]))
    return re.compile("".join(parts), re.S)


def _fixed_characters(msgid: str) -> int:
    return len(_PLACEHOLDER.sub("", msgid))


class StoredText:
    """The msgids a family of stored texts is written from."""

    def __init__(self, msgids: Iterable[str]) -> None:
        # The msgid with the most fixed text first: "Shopify answered HTTP %(status)s" is
        # tried before "%(platform)s answered HTTP %(status)s after …", which matches less.
        ordered = sorted(set(msgids), key=_fixed_characters, reverse=True)
        self.msgids = tuple(ordered)
        self._patterns = [(msgid, _pattern(msgid)) for msgid in ordered]

    def match(self, text: str) -> tuple[str, dict[str, str]] | None:
        """The msgid `text` was written from and its values, or None (also for a text longer
        than MAX_MATCHED)."""
        if len(text) > MAX_MATCHED:
            return None
        for msgid, pattern in self._patterns:
            found = pattern.fullmatch(text)
            if found is not None:
                return msgid, found.groupdict()
        return None

    def shown(self, text: str) -> str:
        """`text` in the active language (as stored when no msgid matches, or when longer
        than MAX_MATCHED)."""
        if not text or len(text) > MAX_MATCHED:
            return text
        # Several texts joined by "; " (a file's errors), each a text of its own: shown one by
        # one, so that no value of one msgid swallows the next text.
        parts = text.split("; ")
        if len(parts) > 1 and all(self.match(part) is not None for part in parts):
            return "; ".join(self.shown(part) for part in parts)
        found = self.match(text)
        if found is not None:
            msgid, values = found
            return gettext(msgid) % {name: self.shown(value) for name, value in values.items()}
        # "field: message" (a webhook delivery's reason names the payload's field).
        field, colon, rest = text.partition(": ")
        if colon and " " not in field and self.match(rest) is not None:
            return f"{field}: {self.shown(rest)}"
        if len(parts) > 1 and any(self.match(part) is not None for part in parts):
            return "; ".join(self.shown(part) for part in parts)
        return text
