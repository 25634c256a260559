"""Text normalisation shared by the lexicons and the messages they are matched against.

Both sides go through `normalize`, so a lexicon written with accents ("beschädigt") matches a
buyer who typed without them ("beschadigt"), full-width characters match their ASCII forms,
and case never matters.
"""

from __future__ import annotations

import re
import unicodedata

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


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def has_kana(text: str) -> bool:
    return _KANA.search(text) is not None
