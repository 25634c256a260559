"""Template helpers of the performance pages: KPI labels, values in their units (rates as
percentages, times in minutes or hours), scores, trends and each KPI score's formula with
its numbers filled in (docs/metrics.md, "KPI score")."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from afterdesk.metrics.catalogue import HIGHER, KPI_DIRECTION
from afterdesk.metrics.reasons import reason_text
from afterdesk.metrics.scorecards import KpiLine, ScorecardRow, report

register = template.Library()

Number = Fraction | float | int | Decimal

KPI_LABELS: dict[str, Any] = {
    "first_reply_time": gettext_lazy("First reply time"),
    "first_reply_time_business": gettext_lazy("First reply time (business)"),
    "reply_time_business": gettext_lazy("Reply time (business)"),
    "resolution_time": gettext_lazy("Resolution time"),
    "resolution_time_business": gettext_lazy("Resolution time (business)"),
    "resolution_time_index": gettext_lazy("Resolution time index"),
    "fcr_rate": gettext_lazy("First contact resolution"),
    "one_touch_rate": gettext_lazy("One-touch resolution"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "csat_rate": gettext_lazy("CSAT (4–5 stars)"),
    "csat_avg": gettext_lazy("CSAT average"),
    "handled_volume": gettext_lazy("Handled tickets"),
    "weighted_volume": gettext_lazy("Weighted volume"),
    "escalation_rate": gettext_lazy("Escalations per ticket"),
    "complaint_rate": gettext_lazy("Complaints per ticket"),
    "return_retention_rate": gettext_lazy("Return retention"),
    "sla_first_reply_rate": gettext_lazy("First reply within SLA"),
    "qa_score": gettext_lazy("QA score"),
}
TIMES = {
    "first_reply_time",
    "first_reply_time_business",
    "reply_time_business",
    "resolution_time",
    "resolution_time_business",
}
PER_TICKET = {"escalation_rate", "complaint_rate"}
PERCENTAGES = {k for k in KPI_DIRECTION if k.endswith("_rate") and k not in PER_TICKET}


@register.filter
def get(mapping: Mapping[str, Any] | None, key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def agent_name(agent: object) -> str:
    """The one way the performance pages name an agent: the agent id (the username), as the
    scorecards, published scorecards, payouts and exports do. Takes a user or a username."""
    if agent is None or agent == "":
        return "—"
    username = getattr(agent, "username", None)
    return str(username if username is not None else agent)


def _choices(*enums: Any) -> dict[str, Any]:
    return {value: label for enum in enums for value, label in enum.choices}


def _catalogue() -> dict[str, dict[str, Any]]:
    """The desk's own labels of the values the pages show (imported late: models)."""
    from afterdesk.commerce.models import Platform
    from afterdesk.returns.models import Resolution
    from afterdesk.tickets.models import Category, Channel, Priority, TicketStatus

    outcomes = _choices(Resolution)
    outcomes["return_refund"] = outcomes.get("refund", "return_refund")
    return {
        "category": _choices(Category),
        "channel": _choices(Channel),
        "platform": _choices(Platform),
        "priority": _choices(Priority),
        "status": _choices(TicketStatus),
        "outcome": outcomes,
    }


@register.filter
def label(value: str | None, kind: str) -> str:
    """A stored key as the desk names it in the current language: `not_received` → "Not
    received", `de` → "German", `JP` → "Japan"; an unknown key is shown as it is, and an empty
    one as "(none)"."""
    if not value:
        return _("(none)")
    if kind == "language":
        return _locale_name(value, territory=False)
    if kind == "market":
        return _locale_name(value, territory=True)
    known = _catalogue().get(kind, {})
    return str(known.get(value, value))


def _locale_name(code: str, *, territory: bool) -> str:
    from babel import Locale, UnknownLocaleError
    from django.utils.translation import get_language, to_locale

    try:
        here = Locale.parse(to_locale(get_language() or settings.LANGUAGE_CODE))
        if territory:
            name = here.territories.get(code.upper())
        else:
            name = Locale.parse(code.replace("-", "_")).get_display_name(here)
    except (ValueError, UnknownLocaleError):
        return code
    return f"{name}" if name else code


@register.filter
def kpi_label(kpi: str) -> str:
    return str(KPI_LABELS.get(kpi, kpi))


@register.simple_tag
def kpi_catalogue() -> list[tuple[str, str, str]]:
    """(id, label, direction) of every KPI a template may use, in catalogue order."""
    return [(kpi, kpi_label(kpi), kpi_direction(kpi)) for kpi in KPI_DIRECTION]


@register.filter
def kpi_direction(kpi: str) -> str:
    return _("higher is better") if KPI_DIRECTION.get(kpi) == HIGHER else _("lower is better")


@register.filter(name="number")
def number(value: Number, places: int = 4) -> str:
    """Up to `places` decimals, trailing zeros dropped but at least two for a fraction."""
    exact = Fraction(str(value)) if isinstance(value, float | Decimal) else Fraction(value)
    if exact.denominator == 1:
        return str(exact.numerator)
    text = f"{float(exact):.{places}f}".rstrip("0")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def decimal(value: Number | str, places: int) -> str:
    """A number with `places` decimals in the current language's format (decimal separator,
    grouping where the language uses it): never a float's `0.7777…`."""
    exact = _exact_any(value)
    scaled = math.floor(abs(exact) * 10**places + Fraction(1, 2))  # half up, away from zero
    rounded = Decimal(-scaled if exact < 0 else scaled).scaleb(-places)
    return number_format(rounded, decimal_pos=places, use_l10n=True)


def _exact_any(value: Number | str) -> Fraction:
    if isinstance(value, float | Decimal | str):
        return Fraction(Decimal(str(value)))
    return Fraction(value)


def minutes(value: Number) -> str:
    """A duration in minutes, as minutes below an hour and as hours above."""
    amount = _exact_any(value)
    if abs(amount) < 60:
        return _("%(n)s min") % {"n": decimal(amount, 1)}
    return _("%(n)s h") % {"n": decimal(amount / 60, 1)}


@register.filter
def share_percent(value: Number | str | None) -> str:
    """A share (a fraction, or its decimal string as the payouts keep it) as a percentage."""
    if value is None or value == "":
        return "—"
    return f"{decimal(_exact_any(value) * 100, 1)}%"


@register.filter
def kpi_value(value: Number | None, kpi: str) -> str:
    """A KPI value in its unit; null (no data) is a dash, never 0."""
    if value is None or value == "":
        return "—"
    if kpi in TIMES:
        return minutes(value)
    if kpi in PERCENTAGES:
        return share_percent(value)
    if kpi in PER_TICKET:
        return decimal(value, 2)
    if kpi == "resolution_time_index":
        return f"{decimal(value, 2)}×"
    if kpi == "handled_volume":
        return str(int(value))
    return decimal(value, 1) if kpi != "csat_avg" else decimal(value, 2)


@register.filter
def score(value: Number | None) -> str:
    """A score as reported: 2 decimals, half up from the exact value (docs/metrics.md,
    "Rounding")."""
    if value is None or value == "":
        return "—"
    if isinstance(value, Fraction):
        return f"{report(value):.2f}"
    return f"{Decimal(str(value)):.2f}"


def _exact(value: Number) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(str(value))


@register.filter
def period_label(start: datetime, end: datetime) -> str:
    """`2026-10-05 – 2026-10-11` (last day included) for whole local days, else the exact
    bounds in the desk time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    first, after = start.astimezone(zone), end.astimezone(zone)
    if first.time() == time.min and after.time() == time.min:
        last = (after - timedelta(days=1)).date()
        if last == first.date():
            return first.date().isoformat()
        return f"{first.date().isoformat()} – {last.isoformat()}"
    return f"{first:%Y-%m-%d %H:%M} – {after:%Y-%m-%d %H:%M} ({settings.TIME_ZONE})"


@register.simple_tag
def trend(now: Number | None, before: Number | None, lower_is_better: bool = False) -> SafeString:
    """▲/▼ with the change since the previous period, coloured good or bad; — when either is
    missing."""
    if now is None:
        return format_html('<span class="perf-trend perf-trend-none">{}</span>', "—")
    if before is None:
        return format_html('<span class="perf-trend perf-trend-none">{}</span>', _("new"))
    delta = _exact(now) - _exact(before)
    if delta == 0:
        return format_html('<span class="perf-trend perf-trend-flat">{}</span>', "= 0")
    better = (delta < 0) if lower_is_better else (delta > 0)
    arrow = "▲" if delta > 0 else "▼"
    sign = "+" if delta > 0 else "−"
    return format_html(
        '<span class="perf-trend {}">{} {}{}</span>',
        "perf-good" if better else "perf-bad",
        arrow,
        sign,
        f"{report(abs(delta)):.2f}",
    )


@register.simple_tag
def segment_trend(now: float | None, before: float | str | None, kind: str) -> SafeString:
    """The change of one segment figure: points for rates, minutes for times, count for solved.
    A segment absent from the previous period (`before` unresolved) shows a dash."""
    if now is None or before is None or isinstance(before, str):
        return format_html('<span class="perf-trend perf-trend-none">{}</span>', "—")
    delta = now - before
    if delta == 0:
        return format_html('<span class="perf-trend perf-trend-flat">{}</span>', "= 0")
    lower_is_better = kind in ("time", "reopen")
    better = (delta < 0) if lower_is_better else (delta > 0)
    if kind == "time":
        shown = minutes(abs(delta))
    elif kind == "count":
        shown = str(int(abs(delta)))
    else:
        shown = _("%(n)s pts") % {"n": decimal(_exact_any(abs(delta)) * 100, 1)}
    return format_html(
        '<span class="perf-trend {}">{} {}{}</span>',
        "perf-good" if better else "perf-bad",
        "▲" if delta > 0 else "▼",
        "+" if delta > 0 else "−",
        shown,
    )


@register.filter
def percent(value: float | str | None) -> str:
    return "—" if value is None or isinstance(value, str) else share_percent(value)


@register.filter
def in_minutes(value: float | str | None) -> str:
    return "—" if value is None or isinstance(value, str) else minutes(value)


@register.filter
def us_minutes(value: int | None) -> str:
    """Integer microseconds (a stored duration) as minutes or hours."""
    return "—" if value is None else minutes(Fraction(value, 60_000_000))


@register.simple_tag
def drill_url(query: str, agent: str, kpi: str) -> str:
    """The drill-down page of one figure (the period/template query plus agent and KPI)."""
    return f"{reverse('metrics:drilldown')}?{query}&{urlencode({'agent': agent, 'kpi': kpi})}"


@register.simple_tag
def row_drill_url(bounds: str, row: ScorecardRow, kpi: str) -> str:
    """The drill-down of one figure of a scorecard row, with the template that scored the row
    and its version (own templates: the one in force at the period's end; a what-if row has
    none: the latest; an agent without a template: neither, the built-in template)."""
    params: dict[str, str] = {}
    if row.template is not None:
        params["template"] = row.template
        if row.template_version is not None:
            params["version"] = str(row.template_version)
    template = f"{urlencode(params)}&" if params else ""
    person = urlencode({"agent": row.agent, "kpi": kpi})
    return f"{reverse('metrics:drilldown')}?{template}{bounds}&{person}"


@register.simple_tag
def kpi_formula(line: KpiLine, kpi: str) -> str:
    """The score's formula with the numbers filled in, e.g.
    `100 × clamp((0.91 − 0.80) / (0.98 − 0.80), 0, 1) = 61.11`."""
    if line.value is None:
        return _("no value in this period: no score")
    if line.target is None or line.floor is None or line.score is None:
        return "—"
    value, target, floor = number(line.value), number(line.target), number(line.floor)
    result = f"{report(line.score):.2f}"
    higher = KPI_DIRECTION[kpi] == HIGHER
    if line.target == line.floor:
        sign = "≥" if higher else "≤"
        return f"{value} {sign} {target} ? 100 : 0 = {result}"
    if higher:
        return f"100 × clamp(({value} − {floor}) / ({target} − {floor}), 0, 1) = {result}"
    return f"100 × clamp(({floor} − {value}) / ({floor} − {target}), 0, 1) = {result}"


@register.simple_tag
def ticket_contribution(ticket: Any, kpi: str, template: Any) -> SafeString:
    """What one drill-down ticket brings to the figure: its minutes, rating, weight or count in
    the KPI's unit, or for a share whether it counts (✓) or not (✗), with what decided it."""
    from afterdesk.metrics.contributions import contribution

    part = contribution(ticket, kpi, template)
    note = label(part.outcome, "outcome") if part.outcome else part.note
    if part.counted is not None:
        shown = _("✓ counts") if part.counted else _("✗ does not count")
        extra = minutes(part.value) if part.value is not None else note
        return format_html(
            '<span class="{}">{}</span>{}',
            "perf-good" if part.counted else "perf-bad",
            shown,
            format_html(' <span class="muted">{}</span>', extra) if extra else "",
        )
    if part.value is None:
        return format_html("{}", "—")
    if kpi in ("handled_volume", "weighted_volume", "escalation_rate", "complaint_rate"):
        shown = number(part.value, 2)
    elif kpi == "csat_avg":
        shown = f"{part.value} ★"
    else:
        shown = kpi_value(part.value, kpi)
    return format_html(
        "{}{}", shown, format_html(' <span class="muted">{}</span>', note) if note else ""
    )


@register.filter
def kpi_bound(value: Number | None, kpi: str) -> str:
    """A target or floor in the KPI's unit (the formula shows the raw number)."""
    return kpi_value(value, kpi)


@register.filter
def reason(text: str | None) -> str:
    """A stored scorecard or payout reason in the reader's language (metrics/reasons.py)."""
    return reason_text(text)
