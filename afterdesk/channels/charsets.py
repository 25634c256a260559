"""Bytes to text for mail whose charset is declared, wrongly declared or missing.

Mail in the wild names a charset that is narrower than what the sender's client wrote
(GB2312 holding GBK characters, Shift_JIS holding NEC/IBM extensions, EUC-KR holding UHC
syllables), names one Python does not know, or names none. Each declared charset is read
through its widest compatible superset; a declaration that does not decode strictly falls back
to UTF-8, then to charset-normalizer's guess, and finally to the declaration with
replacement characters: text always comes out, and the raw bytes are kept anyway.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

# Declared name -> the superset clients really write. Keys are normalised (lower case, `_`).
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x_gbk": "gb18030",
    "cp936": "gb18030",
    "euc_cn": "gb18030",
    "big5": "big5hkscs",
    "x_x_big5": "big5hkscs",
    "shift_jis": "cp932",
    "x_sjis": "cp932",
    "sjis": "cp932",
    "ms_kanji": "cp932",
    "iso_2022_jp": "iso2022_jp_ext",
    "euc_kr": "cp949",
    "ks_c_5601_1987": "cp949",
    "ks_c_5601": "cp949",
    "iso_8859_1": "cp1252",
    "latin1": "cp1252",
    "us_ascii": "utf-8",
    "ascii": "utf-8",
    "iso_8859_9": "cp1254",
    "tis_620": "cp874",
    "windows_874": "cp874",
    "utf8": "utf-8",
    "unicode_1_1_utf_7": "utf-7",
}

# Declarations that often hide UTF-8 (a client that says "ASCII" or "Latin-1" but sent UTF-8).
_OFTEN_UTF8 = frozenset({"utf-8", "cp1252", ""})


def codec_for(declared: str | None) -> str:
    """The Python codec to read a declared charset with ("" when unknown or not declared)."""
    if not declared:
        return ""
    name = declared.strip().strip("\"'").lower().replace("-", "_")
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # unknown, or a name codecs cannot take (a NUL in it)
        return ""


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """`data` as text and the codec that read it (its name, or `guess:<name>` / `replace:<name>`
    when the declaration did not hold)."""
    codec = codec_for(declared)
    if codec and codec not in _OFTEN_UTF8:
        try:
            return data.decode(codec), codec
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if codec == "cp1252":
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    guess = from_bytes(data).best()
    if guess is not None and guess.encoding:
        return str(guess), f"guess:{guess.encoding}"
    fallback = codec or "utf-8"
    return data.decode(fallback, errors="replace"), f"replace:{fallback}"


def has_surrogates(text: str) -> bool:
    """Whether `text` carries undecoded bytes (the email package's surrogateescape)."""
    return any("\udc80" <= char <= "\udcff" for char in text)


def repair_header(text: str, hint: str | None = None) -> str:
    """A header holding raw 8-bit bytes (not RFC 2047 encoded) read as text: the bytes are
    recovered from the email package's surrogate escapes and decoded like a body, with the
    body's charset as the first guess."""
    if not has_surrogates(text):
        return text
    raw = text.encode("utf-8", errors="surrogateescape")
    return decode_text(raw, hint)[0]
