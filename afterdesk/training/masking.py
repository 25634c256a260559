"""Masking a buyer's details out of a ticket's text for a scenario drill (docs/training.md,
"Scenario drills").

Two passes, because neither is enough alone: the values the desk *knows* (the customer's
name and each part of it, their email addresses and marketplace handles, the orders' numbers,
the parcels' tracking numbers), replaced wherever they appear, case-insensitively; then
patterns for what it does not know (any email address, phone number, street address line,
postcode or order-number-like code a buyer typed). A drill stores only the masked text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: 7 or more digits, with spaces, dots, dashes, slashes or brackets between,
# an optional leading + or 00.
PHONE = re.compile(r"(?<![\w/])(?:\+|00)?\d(?:[\s().\-/]{0,3}\d){6,}(?!\w)")
STREET_WORDS = (
    r"street|st\.?|road|rd\.?|avenue|ave\.?|lane|ln\.?|drive|dr\.?|boulevard|blvd\.?|way|"
    r"court|ct\.?|place|pl\.?|square|sq\.?|"
    r"stra(?:ß|ss)e|str\.?|weg|platz|allee|gasse|calle|avenida|rue|via|viale|piazza|straat|laan"
)
# "12 Main Street", "Hauptstraße 12", "Calle Mayor 5, 2º", "rue de la Paix 3".
STREET = re.compile(
    rf"(?:\b\d+[a-z]?\s+(?:[\w'.-]+\s+){{0,4}}(?:{STREET_WORDS})\b"
    rf"|\b[\w'.-]*(?:{STREET_WORDS})(?:\s+[\w'.-]+){{0,3}}\s+\d+[a-z]?\b)",
    re.IGNORECASE | re.UNICODE,
)
# UK, Dutch, Canadian postcodes and a 4–5 digit code followed by a town's capitalised name.
POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|\d{4}\s?[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d"
    r"|\d{4,5}(?=\s+[A-ZÄÖÜ][a-zäöüß]))\b"
)
# Order numbers a buyer types: "#1043", Amazon's 3-7-7 digits, "order 2024-55-1".
ORDER = re.compile(r"#\s?\d{3,}\b|\b\d{3}-\d{7}-\d{7}\b|\b[A-Z]{2,5}-?\d{4,}\b")

NAME_MASK = "[buyer]"
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
ADDRESS_MASK = "[address]"
ORDER_MASK = "[order]"
TRACKING_MASK = "[tracking]"


@dataclass(frozen=True)
class Known:
    """What the desk stores about the buyer of one ticket."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    order_numbers: tuple[str, ...] = ()
    tracking_numbers: tuple[str, ...] = ()


def _values(values: Iterable[str], mask: str, min_length: int) -> list[tuple[str, str]]:
    return [(v.strip(), mask) for v in values if len(v.strip()) >= min_length]


def _name_parts(names: Iterable[str]) -> list[str]:
    """The full names and each of their words of 2+ letters ("Ana", "de la Cruz" → "Cruz")."""
    parts: list[str] = []
    for name in names:
        parts.append(name)
        parts += [word for word in re.split(r"[\s,]+", name) if len(word) >= 2]
    return parts


def mask(text: str, known: Known) -> str:
    """`text` with every known value and every pattern replaced by a placeholder."""
    if not text:
        return text
    pairs = (
        _values(known.emails, EMAIL_MASK, 3)
        + _values(known.order_numbers, ORDER_MASK, 1)
        + _values(known.tracking_numbers, TRACKING_MASK, 4)
        + _values(known.handles, NAME_MASK, 2)
        + _values(_name_parts(known.names), NAME_MASK, 2)
    )
    # Longest first, so a full name is one placeholder and a number inside a longer one is
    # not masked piecemeal.
    pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
    for value, placeholder in pairs:
        # A word-like value only as a whole word ("Li" not inside "Lisbon"); anything else
        # (an email, "#1043") wherever it appears.
        if value[:1].isalnum() and value[-1:].isalnum():
            pattern = rf"(?<!\w){re.escape(value)}(?!\w)"
        else:
            pattern = re.escape(value)
        text = re.sub(pattern, placeholder, text, flags=re.IGNORECASE)
    text = EMAIL.sub(EMAIL_MASK, text)
    text = STREET.sub(ADDRESS_MASK, text)
    text = POSTCODE.sub(ADDRESS_MASK, text)
    text = ORDER.sub(ORDER_MASK, text)
    return PHONE.sub(PHONE_MASK, text)
