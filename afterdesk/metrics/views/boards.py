"""Leaderboards (individual and team, with the trend against the previous period) and the
segment views (solved-ticket figures per language, market, … beside the previous period)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from afterdesk.core.errors import NotFound
from afterdesk.core.htmx import render_page_or_partial, wants_partial
from afterdesk.metrics.forms import LeaderboardForm, SegmentForm
from afterdesk.metrics.selectors import Boards, leaderboards, scoring_choose, segment_view
from afterdesk.metrics.views.access import page_access


@login_required
@require_GET
def leaderboard_page(request: HttpRequest) -> HttpResponse:
    """One template group at a time (default: the viewer's own template), or everyone under
    one template (what-if). Managers see categories and links to each agent; others (public
    leaderboard) see ranks and totals only."""
    access = page_access(request, "leaderboard")
    form = LeaderboardForm(request.GET)
    context: dict[str, Any] = {
        "access": access,
        "form": form,
        "section": "leaderboard",
        "oob": wants_partial(request),
    }
    status = 422
    if form.is_valid() and form.start is not None and form.end is not None:
        try:
            scoring = scoring_choose(
                end=form.end,
                viewer=access.user,
                template=form.what_if or None,
                own_template=form.own_template or None,
            )
        except NotFound as error:
            raise Http404(error.message) from error
        form.groups_show(scoring.groups, scoring.group or "", every=False)
        boards = (
            leaderboards(
                start=form.start,
                end=form.end,
                template=scoring.what_if,
                own_template=scoring.group,
            )
            if scoring.version is not None
            else Boards([], [])
        )
        context.update(
            scoring=scoring,
            version=scoring.version,
            spec=scoring.spec,
            individual=boards.individual,
            teams=boards.teams,
            # Links to an agent's page: their own template, or the same what-if template.
            query=form.period_query() if form.what_if else form.bounds_query(),
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
    access = page_access(request, "manage")
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
