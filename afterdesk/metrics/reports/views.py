"""Report pages and downloads, for supervisors and admins only.

Each view reads its parameters (`params`), calls one service and renders. A bad parameter
answers 400 and an unknown template 404, each with a message naming the parameter.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from afterdesk.accounts.models import User
from afterdesk.core.errors import DomainError, NotFound
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.models import ScorecardTemplate
from afterdesk.metrics.reports import present, services
from afterdesk.metrics.reports.exports import CONTENT_TYPES
from afterdesk.metrics.reports.params import (
    DEFAULT_REVIEW_TEMPLATE,
    period_from_query,
    review_period,
)

View = Callable[..., HttpResponse]


def report_view(view: View) -> View:
    """Signed in (else the login page), supervisor or admin (else 403), GET only; a
    DomainError becomes a 400 page (404 for an unknown template)."""

    @login_required
    @require_GET
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not isinstance(request.user, User) or not request.user.sees_all_tickets:
            raise PermissionDenied
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            status = 404 if isinstance(error, NotFound) else 400
            context = {"message": error.message, "field": error.field}
            return render(request, "metrics/reports/error.html", context, status=status)

    return wrapper


def _download(body: bytes, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stem(kind: str, template: str, start: datetime, end: datetime) -> str:
    return f"{kind}_{template}_{start:%Y-%m-%d}_{end:%Y-%m-%d}"


@report_view
def kpis_download(request: HttpRequest, fmt: str) -> HttpResponse:
    start, end = period_from_query(request.GET)
    key = request.GET.get("template") or None
    template = services.template_get(key=key)
    body = services.kpis_export(start=start, end=end, template=template, fmt=fmt)
    filename = f"{_stem('kpis', template.id, start, end)}.{fmt}"
    return _download(body, content_type=CONTENT_TYPES[fmt], filename=filename)


@report_view
def scorecard_download(request: HttpRequest, fmt: str) -> HttpResponse:
    start, end = period_from_query(request.GET)
    template = services.template_get(key=request.GET.get("template") or DEFAULT_REVIEW_TEMPLATE)
    body = services.scorecard_export(start=start, end=end, template=template, fmt=fmt)
    filename = f"{_stem('scorecard', template.id, start, end)}.{fmt}"
    return _download(body, content_type=CONTENT_TYPES[fmt], filename=filename)


@report_view
def weekly(request: HttpRequest) -> HttpResponse:
    start, end = review_period(request.GET)
    key = request.GET.get("template") or DEFAULT_REVIEW_TEMPLATE
    review = services.weekly_review(start=start, end=end, template=services.template_get(key=key))
    charts = services.weekly_review_charts(review=review)
    period = urlencode({"from": format_instant(start), "to": format_instant(end), "template": key})
    context = {
        "review": review,
        "template_key": key,
        "templates": ScorecardTemplate.objects.order_by("name").values_list("key", "name"),
        "week": start.date().isoformat(),
        "period_query": period,
        "charts": {
            name: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            for name, png in charts.items()
        },
        "summary": present.summary(review),
        "teams": present.team_table(review),
        "leaderboard": present.leaderboard_table(review),
        "improvers": present.improvers_table(review),
        "breaches": present.breaches_table(review),
        "by_sku": present.distribution_table(review.by_sku, _("SKU")),
        "by_market": present.distribution_table(review.by_market, _("Market")),
    }
    return render(request, "metrics/reports/weekly.html", context)


@report_view
def weekly_pdf(request: HttpRequest) -> HttpResponse:
    start, end = review_period(request.GET)
    key = request.GET.get("template") or DEFAULT_REVIEW_TEMPLATE
    review = services.weekly_review(start=start, end=end, template=services.template_get(key=key))
    body = services.weekly_review_pdf(review=review)
    filename = f"{_stem('weekly-review', key, start, end)}.pdf"
    return _download(body, content_type="application/pdf", filename=filename)
