"""Reports: KPI and scorecard downloads (CSV, XLSX) and the weekly review (data, charts, PDF).

Reads only; nothing here writes to the database. The chart and PDF libraries are imported when
a chart or PDF is made, so loading the URLs costs nothing.

Every entry point has the two modes of `afterdesk scorecard` (docs/metrics.md, "Positions and
templates"): without `template`, each agent under their own template (ranks within each
template; `own_template=<key>` keeps that template's agents only); with `template`, everyone
under it (what-if).
"""

from __future__ import annotations

from datetime import datetime

from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import TemplateSpec, default_template, template_parse
from afterdesk.reports.exports import kpis_table, scorecard_table, table_render
from afterdesk.reports.review import WeeklyReview
from afterdesk.reports.review import weekly_review as weekly_review  # the review's data


def template_get(*, key: str | None) -> TemplateSpec:
    """The latest version of a stored template; the built-in default template when None."""
    if key is None:
        return default_template()
    try:
        definition = template_version_latest(key=key).definition
    except NotFound as exc:
        raise NotFound(f"unknown template {key!r}", field="template") from exc
    return template_parse(definition)


def own_template_check(*, key: str | None) -> str | None:
    """`own_template`: the key of a stored template (404 naming the parameter if unknown)."""
    if key is not None and not ScorecardTemplate.objects.filter(key=key).exists():
        raise NotFound(f"unknown template {key!r}", field="own_template")
    return key


def kpis_export(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    fmt: str,
    own_template: str | None = None,
) -> bytes:
    """Every KPI (value, n) of every agent with data in [start, end), as CSV or XLSX bytes;
    template-dependent KPIs with each agent's own template's parameters unless `template`."""
    _check_format(fmt)
    table = kpis_table(start=start, end=end, template=template, own_template=own_template)
    return table_render(table, fmt)


def scorecard_export(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    fmt: str,
    own_template: str | None = None,
) -> bytes:
    """The ranked scorecard (rank, agent, template, total, categories, each KPI's value, n,
    score, exclusion and override) as CSV or XLSX bytes; each agent under their own template
    (ranked within it) unless `template` (everyone under it)."""
    _check_format(fmt)
    table = scorecard_table(start=start, end=end, template=template, own_template=own_template)
    return table_render(table, fmt)


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("format must be csv or xlsx", field="format")


def weekly_review_charts(*, review: WeeklyReview) -> dict[str, bytes]:
    from afterdesk.reports.charts import review_charts

    return review_charts(review)


def weekly_review_pdf(*, review: WeeklyReview, charts: dict[str, bytes] | None = None) -> bytes:
    from afterdesk.reports.pdf import review_pdf

    return review_pdf(review, charts or weekly_review_charts(review=review))
