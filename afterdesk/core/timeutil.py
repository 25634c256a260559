"""ISO 8601 instants, always with an offset (docs/history.md, "Lines and times"), and the
years a period may use (docs/api.md, "Periods")."""

from __future__ import annotations

from datetime import UTC, date, datetime

# The years a period (its bounds, or the day a week or month contains) may fall in. Far from
# the calendar's ends (years 1 and 9999), so that shifting a bound by its time zone, taking the
# previous period of equal length or the month after never leaves the calendar.
MIN_YEAR, MAX_YEAR = 1900, 2999


def year_check(value: date) -> None:
    """Raise ValueError when a date or instant (in its own offset) is outside MIN_YEAR–MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year {value.year} is outside the supported years {MIN_YEAR}–{MAX_YEAR}")


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
    try:  # stored and compared in UTC: 9999-12-31T23:59:59-23:59 is past the last datetime
        parsed.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError(
            f"time out of range: {value!r} (in UTC it must fall within years 1 to 9999)"
        ) from exc
    return parsed


def format_instant(value: datetime) -> str:
    """UTC ISO 8601 with `Z`, keeping microseconds only when present."""
    utc = value.astimezone(UTC)
    text = utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds")
    return text.replace("+00:00", "Z")
