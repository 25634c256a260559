"""Text normalisation shared by the lexicons and the messages they are matched against.

Both sides go through `normalize`, so a lexicon written with accents ("beschädigt") matches a
buyer who typed without them ("beschadigt"), full-width characters match their ASCII forms,
and case never matters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Latin letters with diacritics (Latin-1 Supplement to Latin Extended-B) mapped to their base
# letters. Only these: stripping combining marks everywhere would break Japanese (が → か).
_LATIN_ACCENTS: dict[int, str] = {}
for _code in range(0xC0, 0x250):
    _base = "".join(
        ch for ch in unicodedata.normalize("NFD", chr(_code)) if not unicodedata.combining(ch)
    )
    if _base != chr(_code):
        _LATIN_ACCENTS[_code] = _base
# Typographic apostrophes and quotes: "don’t" and "don't" are one word.
_LATIN_ACCENTS.update({0x2019: "'", 0x2018: "'", 0x02BC: "'", 0x00B4: "'"})

_SPACES = re.compile(r"[^\S\n]+")
_LINES = re.compile(r"\s*\n\s*")

# Scripts matched without word boundaries (no spaces between words).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_KANA = re.compile(r"[\u3040-\u30ff]")


def normalize(text: str) -> str:
    """NFKC, casefolded, Latin accents stripped, runs of spaces made one space (line breaks
    are kept: they end a clause, see `lexicon.Lexicon.negated`)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        folded = folded.translate(_LATIN_ACCENTS)
    return _LINES.sub("\n", _SPACES.sub(" ", folded)).strip()


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char).casefold()
    return folded if folded.isascii() else folded.translate(_LATIN_ACCENTS)


_RUN = re.compile(r"\S+")


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` and, for each of its characters, the index in `text` of the character
    it comes from: a phrase found in the normalised text can be quoted in the buyer's own
    words (`text[origins[start]:origins[end - 1] + 1]`).

    Fast path: word by word, a word whose normalised form has its length maps one to one (the
    usual case: case, accents, CJK); the character-by-character path handles the rest (ß → ss,
    ligatures, separate combining marks), and whenever the fast result is not `normalize`'s."""
    parts: list[str] = []
    origins: list[int] = []
    previous_end = -1
    for run in _RUN.finditer(text):
        start, end = run.span()
        word = run.group()
        folded = word.lower() if word.isascii() else _fold_word(word)
        if len(folded) != len(word):
            return _normalize_mapped_by_char(text)
        if previous_end >= 0:
            parts.append("\n" if "\n" in text[previous_end:start] else " ")
            origins.append(previous_end)
        parts.append(folded)
        origins.extend(range(start, end))
        previous_end = end
    normalized = "".join(parts)
    # ASCII text has nothing NFKC or accents could change: lowercase and collapsed spaces are
    # `normalize` exactly. Anything else is checked.
    if not text.isascii() and normalized != normalize(text):
        return _normalize_mapped_by_char(text)
    return normalized, origins


def _fold_word(word: str) -> str:
    return unicodedata.normalize("NFKC", word).casefold().translate(_LATIN_ACCENTS)


def _normalize_mapped_by_char(text: str) -> tuple[str, list[int]]:
    chars: list[str] = []
    origins: list[int] = []
    pending: tuple[str, int] | None = None  # the separator a run of white space becomes
    for index, char in enumerate(text):
        folded = _fold(char)
        if folded and all(unicodedata.combining(c) for c in folded) and chars:
            # A separate combining mark: composed with the character before it, as NFKC does
            # for the whole text; after a Latin letter the accent is dropped.
            if ord(chars[-1]) < 0x250:
                continue
            composed = unicodedata.normalize("NFKC", chars[-1] + folded)
            if len(composed) == 1:
                chars[-1] = composed
                continue
        for piece in folded:
            if piece.isspace():
                if pending is None:
                    pending = (" ", index)
                if piece == "\n":
                    pending = ("\n", pending[1])
                continue
            if pending is not None and chars:
                chars.append(pending[0])
                origins.append(pending[1])
            pending = None
            chars.append(piece)
            origins.append(index)
    return "".join(chars), origins


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def has_kana(text: str) -> bool:
    return _KANA.search(text) is not None
