"""The English texts other apps write into a ticket's event log (a `routing` event's reason,
an `automation` event's actions and error, a `return_step` event's note and error), shown in
the reader's language on the ticket's history (docs/ui.md, "Languages"). A `triage` event's
reason is read the same way, with sentences the tickets app keeps itself
(`afterdesk.tickets.triage_reasons`).

The event log stays English: it is exported and imported in the history format, so the same
event reads the same everywhere. The tickets app shows it but may not import the apps that
write these texts (they sit above it, `[tool.importlinter]` in pyproject.toml); each of them
registers its sentences here in its `AppConfig.ready()` and the history reads them through
`event_text_shown`. A text no registered sentence matches is shown as written.

These texts are built of parts ("rule “VIP” (language es): team Spanish desk; routed to Lena:
speaks es, on shift (least loaded)"), so a text is first cut at its "; " and ", " outside
brackets and quotes, each part shown on its own when every part is a known sentence; else the
text as a whole is matched, as `afterdesk.core.stored_text` does. A sentence's placeholders are
shown in turn the same way, except the `literal` ones (a name, a tag: data, shown as written)
and those with `choices` (a code, matched only among its codes and shown as its label; in
English the code itself, so that an English reader sees the event's own words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import get_language, gettext, pgettext

from afterdesk.core.stored_text import _PLACEHOLDER, _fixed_characters

# Matching a sentence with n placeholders that may hold any text costs up to the length of
# the text to the power n: a text longer than LONG is matched only against sentences with at
# most two of them (a reason listing every agent of a team skipped is long; a sentence with
# three values, such as one agent's line, never is).
LONG = 600
# The separators a text's parts are joined with (translated by `_joined`).
SEPARATORS = ("; ", ", ")
OPENING, CLOSING = "(“[", ")”]"


def _split(text: str, separator: str) -> list[str]:
    """`text` cut at `separator` where no bracket or quote is open."""
    parts: list[str] = []
    depth, start, index = 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in OPENING:
            depth += 1
        elif char in CLOSING and depth:
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return parts


def _joined(separator: str, parts: list[str]) -> str:
    if separator == "; ":
        return pgettext("between clauses", "; ").join(parts)
    return pgettext("between list items", ", ").join(parts)


class EventText:
    """The sentences an event field is written from, with their literal and coded
    placeholders."""

    def __init__(
        self,
        msgids: Iterable[str],
        literal: Iterable[str] = (),
        choices: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.literal = frozenset(literal)
        self.choices = {name: dict(codes) for name, codes in (choices or {}).items()}
        # A sentence that starts with its own words first ("skipped %(agents)s" before
        # "%(agent)s off shift" for "skipped Pia off shift"), then the one with the most
        # fixed text (it matches less).
        ordered = sorted(
            set(msgids), key=lambda m: (not m.startswith("%("), _fixed_characters(m)), reverse=True
        )
        self.msgids = tuple(ordered)
        self._patterns = [(msgid, self._pattern(msgid), self._free(msgid)) for msgid in ordered]

    def _free(self, msgid: str) -> int:
        """How many placeholders may hold any text (not restricted to codes)."""
        return sum(1 for name in _PLACEHOLDER.findall(msgid) if not self.choices.get(name))

    def _pattern(self, msgid: str) -> re.Pattern[str]:
        parts = []
        last = 0
        for match in _PLACEHOLDER.finditer(msgid):
            parts.append(re.escape(msgid[last : match.start()].replace("%%", "%")))
            name = match.group(1)
            codes = self.choices.get(name)
            if codes:
                alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len)[::-1])
                parts.append(f"(?P<{name}>{alternatives})")
            else:
                parts.append(f"(?P<{name}>.+?)")
            last = match.end()
        parts.append(re.escape(msgid[last:].replace("%%", "%")))
        return re.compile("".join(parts), re.S)

    def match(self, text: str) -> tuple[str, dict[str, str]] | None:
        """The sentence `text` was written from and its values, or None."""
        long = len(text) > LONG
        for msgid, pattern, free in self._patterns:
            if long and free > 2:
                continue  # cubic or worse in the length: no sentence of three values is this long
            found = pattern.fullmatch(text)
            if found is not None:
                return msgid, found.groupdict()
        return None

    def _value(self, name: str, value: str) -> str:
        if name in self.literal:
            return value
        codes = self.choices.get(name)
        if codes and value in codes:
            # In English the text comes back as written: the code, not its label.
            english = (get_language() or "en").split("-")[0] == "en"
            return value if english else str(codes[value])
        return self.shown(value)

    def shown(self, text: str) -> str:
        """`text` in the active language (as written when no sentence matches)."""
        if not text:
            return text
        for separator in SEPARATORS:
            parts = _split(text, separator)
            if len(parts) > 1 and all(self.match(part) is not None for part in parts):
                return _joined(separator, [self.shown(part) for part in parts])
        found = self.match(text)
        if found is not None:
            msgid, values = found
            translated = gettext(msgid) if _PLACEHOLDER.sub("", msgid) else msgid
            return translated % {name: self._value(name, v) for name, v in values.items()}
        for separator in SEPARATORS:
            parts = _split(text, separator)
            if len(parts) > 1 and any(self.match(part) is not None for part in parts):
                return separator.join(self.shown(part) for part in parts)
        return text


_REGISTERED: dict[tuple[str, str], list[tuple[tuple[str, ...], Any, Any]]] = {}
_TEXTS: dict[tuple[str, str], EventText] = {}


def event_text_register(
    kind: str,
    field: str,
    msgids: Iterable[str],
    *,
    literal: Iterable[str] = (),
    choices: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """The English sentences (msgids) the `field` of `kind` events is written from; several
    apps may register sentences for the same field. `literal` names the placeholders shown as
    written; `choices` maps a placeholder to its codes and their labels."""
    key = (kind, field)
    _REGISTERED.setdefault(key, []).append((tuple(msgids), tuple(literal), dict(choices or {})))
    _TEXTS.pop(key, None)  # rebuilt with the new sentences when next shown


def event_text(kind: str, field: str) -> EventText:
    """Every sentence registered for the field (none: every text is shown as written)."""
    key = (kind, field)
    found = _TEXTS.get(key)
    if found is None:
        msgids: list[str] = []
        literal: list[str] = []
        choices: dict[str, dict[str, Any]] = {}
        for registered_msgids, registered_literal, registered_choices in _REGISTERED.get(key, []):
            msgids.extend(registered_msgids)
            literal.extend(registered_literal)
            for name, codes in registered_choices.items():
                choices.setdefault(name, {}).update(codes)
        found = _TEXTS[key] = EventText(msgids, literal, choices)
    return found


def event_text_shown(kind: str, field: str, text: str) -> str:
    """`text`, written into the `field` of a `kind` event, in the active language."""
    return event_text(kind, field).shown(str(text))
