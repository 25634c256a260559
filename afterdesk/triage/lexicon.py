"""The per-language lexicons (`lexicons/<lang>.toml`, docs/triage.md "Lexicon format"): loaded
and compiled once, then matched against normalised text.

A phrase is literal text with three conveniences: `*` matches any letters inside a word
("beschädig*" → beschädigt, beschädigte; "*anleitung" → Montageanleitung), `..` is a short
gap (up to three words, or eight characters in CJK text), a space matches any run of spaces,
hyphens or slashes and a hyphen matches one or none ("a-to-z" → "a to z", "atoz"). In
Latin-script lexicons a phrase matches whole words only; in CJK lexicons it matches anywhere
(no spaces between words).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from afterdesk.triage.text import normalize

LEXICON_DIR = Path(__file__).parent / "lexicons"

# Most specific first: on a tie of scores the earlier type wins (a parcel that is "damaged"
# and "returned" is a damaged parcel).
ISSUE_TYPES: tuple[str, ...] = (
    "dispute",
    "not_received",
    "damaged",
    "wrong_item",
    "missing_item",
    "size_issue",
    "quality_issue",
    "refund_request",
    "return_request",
    "usage_question",
    "presale_question",
    "other",
)
RISK_FLAGS: tuple[str, ...] = (
    "chargeback",
    "atoz_claim",
    "paypal_dispute",
    "platform_claim",
    "legal",
    "bad_review",
    "negative_sentiment",
)

# A negation cancels phrases of these labels only: "not damaged" is no damage, but "haven't
# received the refund" is still about a refund and "no quiero abrir una disputa" still a threat.
NEGATABLE: frozenset[str] = frozenset(
    {"damaged", "quality_issue", "wrong_item", "missing_item", "size_issue", "negative_sentiment"}
)

_LATIN_GAP = r"\W+(?:[\w']+\W+){0,3}?"
_CJK_GAP = r".{0,8}?"
_LATIN_WORD_PREFIX = r"(?<![\w])"
_LATIN_WORD_SUFFIX = r"(?![\w])"
_TOKEN = re.compile(r"[\w']+")
_CLAUSE_END = re.compile(r"[.!?;:,\n。！？；，、]")


class LexiconError(ValueError):
    """A lexicon file that cannot be used (bad TOML, an unknown label, a bad weight)."""


@dataclass(frozen=True, slots=True)
class Entry:
    phrase: str  # as written in the lexicon file, shown in reasons
    label: str  # an issue type or a risk flag
    weight: float
    language: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One phrase found in a message."""

    entry: Entry
    start: int
    end: int
    negated: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    language: str
    name: str
    cjk: bool
    negations: frozenset[str]
    negations_after: tuple[str, ...]
    clause_breaks: frozenset[str]
    negation_window: int
    issue_entries: tuple[Entry, ...]
    risk_entries: tuple[Entry, ...]
    issue_pattern: re.Pattern[str]
    risk_pattern: re.Pattern[str]
    # Cues that tell a claim already made ("I've", "ya", "bereits", "已经") from a threatened
    # one ("if", "si no", "sonst", "再不"), read in the sentence of a claim phrase (engine).
    claim_filed: re.Pattern[str]
    claim_threat: re.Pattern[str]
    # Words for the buyer's money ("refund", "Geld", "退款"): a delivery or wrong-item phrase
    # right next to one is said of the money ("the refund still hasn't arrived").
    money: re.Pattern[str]

    def issue_hits(self, text: str) -> Iterator[Hit]:
        return self._hits(self.issue_pattern, self.issue_entries, text)

    def risk_hits(self, text: str) -> Iterator[Hit]:
        return self._hits(self.risk_pattern, self.risk_entries, text)

    def _hits(
        self, pattern: re.Pattern[str], entries: tuple[Entry, ...], text: str
    ) -> Iterator[Hit]:
        # Overlapping phrases both count ("haven't received" and "received my refund"), but a
        # phrase inside a longer one does not ("broken" in "arrived broken").
        position, reached = 0, 0
        while (match := pattern.search(text, position)) is not None:
            start, end = match.span()
            position = start + 1
            if end <= reached:
                continue
            reached = end
            entry = entries[int(match.lastgroup[1:])]  # type: ignore[index]
            negated = entry.label in NEGATABLE and self.negated(text, start, end)
            yield Hit(entry, start, end, negated)

    def negated(self, text: str, start: int, end: int) -> bool:
        """A negation cue shortly before the phrase in the same clause ("not damaged", "no
        está roto", "没有破损"), or right after it in Japanese ("破損はありません")."""
        if self.cjk:
            before = text[max(0, start - self.negation_window) : start]
            clause = _CLAUSE_END.split(before)[-1]
            if any(cue in clause for cue in self.negations):
                return True
            after = text[end : end + 8]
            return any(after.startswith(cue) for cue in self.negations_after)
        before = _CLAUSE_END.split(text[max(0, start - 80) : start])[-1]
        words = _TOKEN.findall(before)
        for word in reversed(words[-self.negation_window :]):
            if word in self.clause_breaks:
                return False
            if word in self.negations or word.endswith("n't"):
                return True
        return False

    def money_near(self, text: str, start: int, end: int) -> str:
        """The money word within three words (six characters in CJK) before the phrase or two
        words (four characters) after it, in its clause; "" when there is none."""
        if self.cjk:
            before = _CLAUSE_END.split(text[max(0, start - 6) : start])[-1]
            after = _CLAUSE_END.split(text[end : end + 4])[0]
        else:
            before = _CLAUSE_END.split(text[max(0, start - 60) : start])[-1]
            tokens = list(_TOKEN.finditer(before))
            before = before[tokens[-3].start() :] if len(tokens) > 3 else before
            after = _CLAUSE_END.split(text[end : end + 40])[0]
            tokens = list(_TOKEN.finditer(after))
            after = after[: tokens[1].end()] if len(tokens) > 2 else after
        found = self.money.search(before) or self.money.search(after)
        return found.group() if found else ""


def _cue_pattern(words: list[str], cjk: bool) -> re.Pattern[str]:
    """Any of the cue words, as whole words in Latin text, anywhere in CJK text."""
    if not words:
        return re.compile(r"(?!x)x")
    # Longest first: "have filed" before "have".
    phrases = sorted({"".join(_phrase_tokens(normalize(word), cjk)) for word in words}, key=len)
    body = "|".join(reversed(phrases))
    return re.compile(body if cjk else f"{_LATIN_WORD_PREFIX}(?:{body}){_LATIN_WORD_SUFFIX}")


def _phrase_tokens(phrase: str, cjk: bool) -> list[str]:
    """A normalised phrase as regex tokens: one per literal character, one per wildcard."""
    tokens: list[str] = []
    for piece in re.split(r"(\s*\.\.\s*|\*|[\s\-/]+)", phrase):
        if not piece:
            continue
        if piece.strip() == "..":
            tokens.append(_CJK_GAP if cjk else _LATIN_GAP)
        elif piece == "*":
            tokens.append(r"\w*")
        elif not piece.strip(" \n-/"):
            # "a-to-z" also matches "a to z" and "atoz"; a space needs some separator.
            tokens.append(r"[\s\-/]*" if piece == "-" else r"[\s\-/]+")
        else:
            tokens.extend(re.escape(char) for char in piece)
    return tokens


_END = ""  # the trie key of "a phrase ends here"


def _trie_regex(node: dict[str, Any], cjk: bool) -> str:
    """One regex for every phrase of a lexicon section, shaped as a trie: at each position the
    engine follows shared prefixes instead of trying hundreds of alternatives one by one. A
    phrase's end is an empty named group, so `match.lastgroup` names the phrase that matched.
    Longer continuations come before a phrase's end (the longest phrase wins), literal
    characters before wildcards."""
    branches: list[str] = []
    literal = sorted(key for key in node if key != _END and len(key) <= 2)
    special = [key for key in node if key != _END and len(key) > 2]
    for key in literal + special:
        branches.append(key + _trie_regex(node[key], cjk))
    if _END in node:
        branches.append(f"(?P<e{node[_END]}>)" + ("" if cjk else _LATIN_WORD_SUFFIX))
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _compile(entries: list[Entry], cjk: bool) -> tuple[tuple[Entry, ...], re.Pattern[str]]:
    ordered = tuple(entries)
    trie: dict[str, Any] = {}
    for index, entry in enumerate(ordered):
        node = trie
        for token in _phrase_tokens(normalize(entry.phrase), cjk):
            node = node.setdefault(token, {})
        # Two spellings of one phrase ("beschädigt", "beschadigt"): the first one counts.
        node.setdefault(_END, index)
    if not trie:
        return ordered, re.compile(r"(?!x)x")
    body = _trie_regex(trie, cjk)
    return ordered, re.compile(body if cjk else _LATIN_WORD_PREFIX + "(?:" + body + ")")


def _entries(table: object, known: tuple[str, ...], language: str, where: str) -> list[Entry]:
    if not isinstance(table, dict):
        raise LexiconError(f"{where}: expected tables of phrases")
    entries: list[Entry] = []
    for label, phrases in table.items():
        if label not in known:
            raise LexiconError(f"{where}.{label}: unknown label (one of {', '.join(known)})")
        if not isinstance(phrases, dict):
            raise LexiconError(f"{where}.{label}: expected phrase = weight lines")
        for phrase, weight in phrases.items():
            if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
                raise LexiconError(f"{where}.{label}.{phrase!r}: weight must be a positive number")
            if not normalize(phrase):
                raise LexiconError(f"{where}.{label}: empty phrase")
            entries.append(Entry(phrase, label, float(weight), language))
    return entries


def lexicon_parse(language: str, source: str) -> Lexicon:
    where = f"lexicons/{language}.toml"
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{where}: {exc}") from exc
    cjk = data.get("script", "latin") == "cjk"
    issue_entries, issue_pattern = _compile(
        _entries(data.get("issue", {}), ISSUE_TYPES, language, f"{where} [issue"), cjk
    )
    risk_entries, risk_pattern = _compile(
        _entries(data.get("risk", {}), RISK_FLAGS, language, f"{where} [risk"), cjk
    )
    return Lexicon(
        language=language,
        name=str(data.get("name", language)),
        cjk=cjk,
        negations=frozenset(normalize(word) for word in data.get("negations", [])),
        negations_after=tuple(normalize(word) for word in data.get("negations_after", [])),
        clause_breaks=frozenset(normalize(word) for word in data.get("clause_breaks", [])),
        negation_window=int(data.get("negation_window", 4 if cjk else 3)),
        issue_entries=issue_entries,
        risk_entries=risk_entries,
        issue_pattern=issue_pattern,
        risk_pattern=risk_pattern,
        claim_filed=_cue_pattern(_words(data, "claim_filed", where), cjk),
        claim_threat=_cue_pattern(_words(data, "claim_threat", where), cjk),
        money=_cue_pattern(_words(data, "money_words", where), cjk),
    )


def _words(data: dict[str, Any], key: str, where: str) -> list[str]:
    words = data.get(key, [])
    if not isinstance(words, list) or not all(isinstance(w, str) and normalize(w) for w in words):
        raise LexiconError(f"{where}: {key} must be a list of words")
    return words


@cache
def lexicons() -> dict[str, Lexicon]:
    """Every lexicon file, by language code, loaded and compiled once per process."""
    return {
        path.stem: lexicon_parse(path.stem, path.read_text(encoding="utf-8"))
        for path in sorted(LEXICON_DIR.glob("*.toml"))
    }
