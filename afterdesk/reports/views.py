"""Report pages and downloads, for supervisors and admins only.

Each view reads its parameters (`params`, `scoring_from_query`), calls one service and renders.
A bad parameter answers 400 and an unknown template 404, each with a message naming the
parameter. Without `template` each agent is scored under their own template (ranks within each
template); `template=<key>` scores everyone under it (what-if); `own_template=<key>` keeps the
agents whose own template it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.exports import CONTENT_TYPES, attachment
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.templates import TemplateSpec
from afterdesk.metrics.views.access import page_access
from afterdesk.reports import chart_cache, present, services
from afterdesk.reports.exports import mode_check
from afterdesk.reports.params import period_from_query, review_period
from afterdesk.reports.review import WeeklyReview

View = Callable[..., HttpResponse]


def report_view(view: View) -> View:
    """Signed in (else the login page), supervisor or admin (else 403), GET only; a
    DomainError becomes a 400 page (404 for an unknown template)."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        page_access(request, "manage")  # the rule of metrics.access
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            status = 404 if isinstance(error, NotFound) else 400
            context = {"message": error.message, "field": error.field}
            return render(request, "reports/error.html", context, status=status)

    return wrapper


def _stem(kind: str, scoring: str, start: datetime, end: datetime) -> str:
    return f"{kind}_{scoring}_{start:%Y-%m-%d}_{end:%Y-%m-%d}"


@dataclass(frozen=True)
class Scoring:
    """Who is scored under what: `template` (what-if: everyone under it), else each agent's
    own template, `own_template` keeping one template's agents."""

    template: TemplateSpec | None
    own_template: str | None

    @property
    def label(self) -> str:
        """For file names: the what-if template, `own-<key>`, or `own-templates`."""
        if self.template is not None:
            return self.template.id
        return f"own-{self.own_template}" if self.own_template else "own-templates"

    @property
    def query(self) -> dict[str, str]:
        if self.template is not None:
            return {"template": self.template.id}
        return {"own_template": self.own_template} if self.own_template else {}


def scoring_from_query(query: Any) -> Scoring:
    """`template` and `own_template` (both optional, not both): 400/404 naming the one at
    fault."""
    key = query.get("template") or None
    own = query.get("own_template") or None
    mode_check(key, own)
    template = services.template_get(key=key) if key else None
    return Scoring(template, services.own_template_check(key=own))


def _table_download(
    request: HttpRequest, fmt: str, kind: str, export: Callable[..., bytes]
) -> HttpResponse:
    """The table `export` makes (`services.kpis_export` or `scorecard_export`) as a file."""
    start, end = period_from_query(request.GET)
    scoring = scoring_from_query(request.GET)
    body = export(
        start=start,
        end=end,
        template=scoring.template,
        own_template=scoring.own_template,
        fmt=fmt,
    )
    filename = f"{_stem(kind, scoring.label, start, end)}.{fmt}"
    return attachment(body, content_type=CONTENT_TYPES[fmt], filename=filename)


@report_view
def kpis_download(request: HttpRequest, fmt: str) -> HttpResponse:
    return _table_download(request, fmt, "kpis", services.kpis_export)


@report_view
def scorecard_download(request: HttpRequest, fmt: str) -> HttpResponse:
    return _table_download(request, fmt, "scorecard", services.scorecard_export)


def _weekly_review(request: HttpRequest) -> tuple[datetime, datetime, Scoring, WeeklyReview]:
    """The review of the week and scoring the query asks for, with its period and scoring."""
    start, end = review_period(request.GET)
    scoring = scoring_from_query(request.GET)
    review = services.weekly_review(
        start=start, end=end, template=scoring.template, own_template=scoring.own_template
    )
    return start, end, scoring, review


def _chart_urls(review: WeeklyReview, period: str) -> dict[str, str]:
    """Each chart's address: named by what it is drawn from (reports.chart_cache)."""
    digest = chart_cache.review_digest(review)
    return {
        name: f"{reverse('reports:weekly_chart', args=[digest, name])}?{period}"
        for name in chart_cache.chart_names(review)
    }


@report_view
def weekly(request: HttpRequest) -> HttpResponse:
    start, end, scoring, review = _weekly_review(request)
    period = urlencode({"from": format_instant(start), "to": format_instant(end), **scoring.query})
    # The page's own query: the chart request then computes the very same review (the same
    # bounds, spelled the same), hence the same digest.
    charts = _chart_urls(review, request.GET.urlencode())
    # The picker of template groups: the viewer's own template first.
    viewer_own = review.own_templates.get(request.user.pk or 0)
    groups_in_use = sorted(review.templates_in_use, key=lambda pair: pair[0] != viewer_own)
    context = {
        "review": review,
        "template_key": scoring.template.id if scoring.template else "",
        "own_template": scoring.own_template or "",
        "templates": ScorecardTemplate.objects.order_by("name").values_list("key", "name"),
        "groups_in_use": groups_in_use,
        "week": start.date().isoformat(),
        "period_query": period,
        "charts": charts,
        "summary": present.summary(review),
        "teams": present.team_table(review),
        "groups": [
            {
                "key": group.template,
                "name": group.name,
                "title": present.group_title(review, group),
                "chart": charts[present.leaderboard_key(index)],
                "leaderboard": present.leaderboard_table(group),
                "improvers": present.improvers_table(group),
            }
            for index, group in enumerate(review.groups)
        ],
        "no_group": present.no_group_message(),
        "without_template": (
            present.without_template_table(review)
            if review.template is None and review.own_template is None
            else None
        ),
        "unranked": present.unranked_message(),
        "breaches": present.breaches_table(review),
        "by_sku": present.distribution_table(review.by_sku, _("SKU")),
        "by_market": present.distribution_table(review.by_market, _("Market")),
    }
    return render(request, "reports/weekly.html", context)


@report_view
def weekly_chart(request: HttpRequest, digest: str, name: str) -> HttpResponse:
    """One chart of the weekly review as a PNG. The address names its content, so a drawn one
    is served without computing the review, and browsers keep it; when the figures changed
    since the page was made, the current chart is served and not kept."""
    png = chart_cache.cached_chart(digest, name)
    current = png is not None
    if png is None:
        _start, _end, _scoring, review = _weekly_review(request)
        png = chart_cache.chart_png(review, name)
        if png is None:
            raise Http404("no such chart")
        current = chart_cache.review_digest(review) == digest
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = (
        "private, max-age=31536000, immutable" if current else "private, no-cache"
    )
    return response


@report_view
def weekly_pdf(request: HttpRequest) -> HttpResponse:
    start, end, scoring, review = _weekly_review(request)
    charts = {name: chart_cache.chart_png(review, name) for name in chart_cache.chart_names(review)}
    body = services.weekly_review_pdf(
        review=review, charts={name: png for name, png in charts.items() if png is not None}
    )
    filename = f"{_stem('weekly-review', scoring.label, start, end)}.pdf"
    return attachment(body, content_type="application/pdf", filename=filename)
