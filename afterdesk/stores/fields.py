"""Reading the fields of platform payloads: a ValidationError naming the field that is wrong."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from afterdesk.core.errors import ValidationError


def name_join(first: Any, last: Any) -> str:
    return " ".join(str(part) for part in (first, last) if part).strip()


def decimal_of(value: Any) -> Decimal:
    return Decimal(str(value))


def instant_of(value: Any) -> datetime:
    parsed = parse_datetime(str(value))
    if parsed is None or parsed.tzinfo is None:
        raise ValueError(f"not an instant with a zone: {value!r}")
    return parsed


# Ids are stored in 100-character columns; quantities in 32-bit ones.
ID_CHARS = 100
MAX_QUANTITY = 1_000_000


def required_text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or value == "" or isinstance(value, (dict, list, bool)):
        raise ValidationError(f"{key} is required", field=key)
    text = str(value)
    if len(text) > ID_CHARS:
        raise ValidationError(f"{key} is over {ID_CHARS} characters", field=key)
    return text


def whole_number(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_QUANTITY:
        raise ValidationError(f"{field} must be a whole number under {MAX_QUANTITY}", field=field)
    return value


def money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError(f"{field} must be an amount", field=field) from error
    if value is None or not amount.is_finite() or abs(amount) >= Decimal(10) ** 10:
        raise ValidationError(f"{field} must be an amount", field=field)
    return amount.quantize(Decimal("0.01"))


def currency_code(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise ValidationError("currency must be a 3-letter code", field="currency")
    return value.upper()


def payload_instant(data: dict[str, Any], key: str) -> datetime:
    try:
        return instant_of(data.get(key))
    except ValueError as error:
        message = f"{key} must be an ISO 8601 instant with a zone"
        raise ValidationError(message, field=key) from error
