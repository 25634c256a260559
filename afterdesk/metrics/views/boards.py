"""Leaderboards (individual and team, with the trend against the previous period) and the
segment views (solved-ticket figures per language, market, … beside the previous period)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from afterdesk.core.errors import NotFound
from afterdesk.core.htmx import render_page_or_partial, wants_partial
from afterdesk.metrics.contributions import segment_tickets
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
        context["bounds"] = form.bounds_query()
        status = 200
    return render_page_or_partial(
        request,
        page="metrics/pages/segments.html",
        partial="metrics/partials/segment_table.html",
        context=context,
        status=status,
    )


SEGMENT_PAGE_SIZE = 100


@login_required
@require_GET
def segment_tickets_page(request: HttpRequest) -> HttpResponse:
    """The solved tickets behind one segment's figures (each segment on the segment view links
    here), with what each brings to them: business resolution time, reopens, rating, return
    outcome."""
    access = page_access(request, "manage")
    form = SegmentForm(request.GET)
    segment = request.GET.get("segment", "")
    context: dict[str, Any] = {"access": access, "form": form, "section": "segments"}
    if not form.is_valid() or form.start is None or form.end is None or len(segment) > 100:
        if len(segment) > 100:
            form.add_error(None, _("Unknown segment."))
        return render(request, "metrics/pages/segment_tickets.html", context, status=422)
    rows = segment_tickets(
        dimension=form.cleaned_data["dimension"], segment=segment, start=form.start, end=form.end
    )
    page = Paginator(rows, SEGMENT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        page=page,
        dimension=form.cleaned_data["dimension"],
        segment=segment,
        query=query.urlencode(),
        back=f"{form.bounds_query()}&{urlencode({'dimension': form.cleaned_data['dimension']})}",
    )
    return render(request, "metrics/pages/segment_tickets.html", context)
