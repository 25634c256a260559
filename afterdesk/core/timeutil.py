"""ISO 8601 instants, always with an offset (docs/history.md, "Lines and times")."""

from __future__ import annotations

from datetime import UTC, datetime


def parse_instant(value: object) -> datetime:
    """Parse an ISO 8601 time with an offset (`Z` allowed); raise ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 string with an offset")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from exc
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"time without an offset: {value!r}")
    return parsed


def format_instant(value: datetime) -> str:
    """UTC ISO 8601 with `Z`, keeping microseconds only when present."""
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")
