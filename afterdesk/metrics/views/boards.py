"""Leaderboards (individual and team, with the trend against the previous period) and the
segment views (solved-ticket figures per language, market, … beside the previous period)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from afterdesk.core.errors import NotFound
from afterdesk.core.htmx import render_page_or_partial
from afterdesk.metrics.forms import LeaderboardForm, SegmentForm
from afterdesk.metrics.selectors import leaderboard, segment_view, team_leaderboard
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import template_parse
from afterdesk.metrics.views.access import access_require


@login_required
@require_GET
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    """Managers see categories and links to each agent; others (public leaderboard) see ranks
    and totals only."""
    access = access_require(request, "leaderboard")
    form = LeaderboardForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "section": "leaderboard"}
    status = 422
    if form.is_valid() and form.start is not None and form.end is not None:
        try:
            version = template_version_latest(key=form.cleaned_data["template"])
        except NotFound as error:
            raise Http404(error.message) from error
        spec = template_parse(version.definition)
        context.update(
            version=version,
            spec=spec,
            individual=leaderboard(start=form.start, end=form.end, template=spec),
            teams=team_leaderboard(start=form.start, end=form.end, template=spec),
            query=form.period_query(),
        )
        status = 200
    return render_page_or_partial(
        request,
        page="metrics/pages/leaderboard.html",
        partial="metrics/partials/leaderboard_tables.html",
        context=context,
        status=status,
    )


@login_required
@require_GET
def segments_page(request: HttpRequest) -> HttpResponse:
    access = access_require(request, "manage")
    form = SegmentForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "section": "segments"}
    status = 422
    if form.is_valid() and form.start is not None and form.end is not None:
        context["rows"] = segment_view(
            dimension=form.cleaned_data["dimension"], start=form.start, end=form.end
        )
        status = 200
    return render_page_or_partial(
        request,
        page="metrics/pages/segments.html",
        partial="metrics/partials/segment_table.html",
        context=context,
        status=status,
    )
