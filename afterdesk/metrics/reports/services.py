"""Reports: KPI and scorecard downloads (CSV, XLSX) and the weekly review (data, charts, PDF).

Reads only; nothing here writes to the database. The chart and PDF libraries are imported when
a chart or PDF is made, so loading the URLs costs nothing.
"""

from __future__ import annotations

from datetime import datetime

from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.reports.exports import kpis_table, scorecard_table, table_render
from afterdesk.metrics.reports.review import WeeklyReview
from afterdesk.metrics.reports.review import weekly_review as _weekly_review
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import TemplateSpec, default_template, template_parse


def template_get(*, key: str | None) -> TemplateSpec:
    """The latest version of a stored template; the built-in default template when None."""
    if key is None:
        return default_template()
    try:
        definition = template_version_latest(key=key).definition
    except NotFound as exc:
        raise NotFound(f"unknown template {key!r}", field="template") from exc
    return template_parse(definition)


def kpis_export(*, start: datetime, end: datetime, template: TemplateSpec, fmt: str) -> bytes:
    """Every KPI (value, n) of every agent with data in [start, end), as CSV or XLSX bytes."""
    _check_format(fmt)
    return table_render(kpis_table(start=start, end=end, template=template), fmt)


def scorecard_export(*, start: datetime, end: datetime, template: TemplateSpec, fmt: str) -> bytes:
    """The ranked scorecard (rank, agent, total, categories, each KPI's value, n, score,
    exclusion and override) as CSV or XLSX bytes."""
    _check_format(fmt)
    return table_render(scorecard_table(start=start, end=end, template=template), fmt)


def _check_format(fmt: str) -> None:
    if fmt not in ("csv", "xlsx"):
        raise ValidationError("format must be csv or xlsx", field="format")


def weekly_review(*, start: datetime, end: datetime, template: TemplateSpec) -> WeeklyReview:
    return _weekly_review(start=start, end=end, template=template)


def weekly_review_charts(*, review: WeeklyReview) -> dict[str, bytes]:
    from afterdesk.metrics.reports.charts import review_charts

    return review_charts(review)


def weekly_review_pdf(*, review: WeeklyReview, charts: dict[str, bytes] | None = None) -> bytes:
    from afterdesk.metrics.reports.pdf import review_pdf

    return review_pdf(review, charts or weekly_review_charts(review=review))
