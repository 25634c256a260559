"""Query parameters of the report URLs: the period (the template parameters are read by
`views.scoring_from_query`: no `template` means each agent's own template).

Every problem is a `ValidationError` naming the parameter; the views answer it with 400.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import parse_instant, year_check
from afterdesk.metrics.kpis import period_validate
from afterdesk.metrics.selectors import period_bounds


def _instant(query: Any, name: str) -> datetime:
    value = query.get(name, "").strip()
    if not value:
        raise ValidationError(f"{name} is required (ISO 8601 with an offset)", field=name)
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ValidationError(f"{name}: {exc}", field=name) from exc


def period_from_query(query: Any) -> tuple[datetime, datetime]:
    """`from` and `to`: ISO 8601 instants with an offset, from before to (docs/metrics.md)."""
    start, end = _instant(query, "from"), _instant(query, "to")
    period_validate(start, end)
    return start, end


def review_period(query: Any, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The review's period: `week=YYYY-MM-DD` (the Monday–Monday week containing that date in
    the desk's time zone), or `from`/`to`, or by default the last complete week."""
    has_range = bool(query.get("from") or query.get("to"))
    week = query.get("week", "").strip()
    if week and has_range:
        raise ValidationError("give either week or from/to, not both", field="week")
    if has_range:
        return period_from_query(query)
    zone = timezone.get_default_timezone()
    if week:
        try:
            day = date.fromisoformat(week)
        except ValueError as exc:
            raise ValidationError("week must be a date YYYY-MM-DD", field="week") from exc
        try:
            year_check(day)
        except ValueError as exc:
            raise ValidationError(f"week: {exc}", field="week") from exc
        return period_bounds(kind="week", containing=datetime.combine(day, time(), tzinfo=zone))
    current = (now or timezone.now()).astimezone(zone)
    this_week, _ = period_bounds(kind="week", containing=current)
    return period_bounds(kind="week", containing=this_week - timedelta(days=1))
