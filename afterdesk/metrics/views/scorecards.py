"""Scorecards: the live scorecard, publishing, published scorecards, the drill-down to the
tickets behind a figure, and one agent's scorecard explained (self-service)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from afterdesk.core.errors import NotFound
from afterdesk.core.htmx import render_page_or_partial
from afterdesk.metrics.forms import DrilldownForm, PeriodForm
from afterdesk.metrics.models import PublishedScorecard, ScorecardTemplateVersion
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.selectors import kpi_reply_waits, kpi_tickets, leaderboard
from afterdesk.metrics.services import scorecard_publish, template_version_latest
from afterdesk.metrics.templates import template_parse
from afterdesk.metrics.views.access import access_require

DRILLDOWN_PAGE_SIZE = 100


def _version(form: PeriodForm) -> ScorecardTemplateVersion:
    """The latest version of the chosen template (a template without versions is a 404)."""
    try:
        return template_version_latest(key=form.cleaned_data["template"])
    except NotFound as error:
        raise Http404(error.message) from error


def _invalid(
    request: HttpRequest, page: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    """A period or template that does not validate: the page with the form's errors, 422."""
    return render_page_or_partial(
        request,
        page=f"metrics/pages/{page}.html",
        partial=f"metrics/partials/{partial}.html",
        context=context,
        status=422,
    )


@login_required
@require_GET
def scorecard(request: HttpRequest) -> HttpResponse:
    access = access_require(request, "manage")
    form = PeriodForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "section": "scorecard"}
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "scorecard", "scorecard_table", context)
    version = _version(form)
    spec = template_parse(version.definition)
    rows = scorecard_compute(start=form.start, end=form.end, template=spec)
    context.update(version=version, spec=spec, rows=rows, query=form.period_query())
    return render_page_or_partial(
        request,
        page="metrics/pages/scorecard.html",
        partial="metrics/partials/scorecard_table.html",
        context=context,
    )


@login_required
@require_POST
def scorecard_publish_view(request: HttpRequest) -> HttpResponse:
    access = access_require(request, "manage")
    form = PeriodForm(request.POST)
    if not form.is_valid() or form.start is None or form.end is None:
        context = {"access": access, "form": form, "section": "scorecard"}
        return _invalid(request, "scorecard", "scorecard_table", context)
    _version(form)  # a template without versions is a 404, not a 500
    published = scorecard_publish(
        template_key=form.cleaned_data["template"], start=form.start, end=form.end, by=access.user
    )
    return redirect("metrics:published", published_id=published.pk)


@login_required
@require_GET
def published_list(request: HttpRequest) -> HttpResponse:
    access = access_require(request, "manage")
    published = PublishedScorecard.objects.select_related(
        "template_version__template", "published_by"
    )[:200]
    context = {"access": access, "published": published, "section": "published"}
    return render(request, "metrics/pages/published_list.html", context)


@login_required
@require_GET
def published_detail(request: HttpRequest, published_id: int) -> HttpResponse:
    access = access_require(request, "manage")
    published = get_object_or_404(
        PublishedScorecard.objects.select_related("template_version__template", "published_by"),
        pk=published_id,
    )
    spec = template_parse(published.template_version.definition)
    form = PeriodForm(
        {
            "template": published.template_version.template.key,
            "period": "custom",
            "from": published.period_start.isoformat(),
            "to": published.period_end.isoformat(),
        }
    )
    form.is_valid()
    context = {
        "access": access,
        "published": published,
        "spec": spec,
        "query": form.period_query(),
        "section": "published",
    }
    return render(request, "metrics/pages/published.html", context)


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The tickets behind one agent's KPI figure; agents may open only their own. For
    `reply_time_business` the rows are the replies behind it, each with the buyer message it
    answers."""
    access = access_require(request, "self")
    form = DrilldownForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "section": "drilldown"}
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "drilldown", "drilldown_list", context)
    agent = access.agent(form.cleaned_data["agent"])
    version = _version(form)
    rows: QuerySet[Any]
    if form.cleaned_data["kpi"] == "reply_time_business":
        rows = kpi_reply_waits(agent=agent, start=form.start, end=form.end).select_related(
            "ticket", "inbound_event__message", "reply_event__message"
        )
    else:
        rows = kpi_tickets(
            kpi=form.cleaned_data["kpi"],
            agent=agent,
            start=form.start,
            end=form.end,
            template=template_parse(version.definition),
        ).select_related("assignee", "team")
    page = Paginator(rows, DRILLDOWN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        section="me" if agent == access.user else "scorecard",
        agent=agent,
        kpi=form.cleaned_data["kpi"],
        page=page,
        version=version,
        start=form.start,
        end=form.end,
        query=query.urlencode(),
        period_query=form.period_query(),
    )
    return render(request, "metrics/pages/drilldown.html", context)


@login_required
@require_GET
def agent_scorecard(request: HttpRequest, username: str = "") -> HttpResponse:
    """One agent's row explained: rank, trend and each KPI's formula with its numbers.
    `/performance/me/` for oneself; managers may open any agent's."""
    access = access_require(request, "self")
    agent = access.agent(username)
    form = PeriodForm(request.GET)
    context: dict[str, Any] = {
        "access": access,
        "agent": agent,
        "form": form,
        "section": "me" if agent == access.user else "scorecard",
    }
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "agent", "agent_scorecard", context)
    version = _version(form)
    spec = template_parse(version.definition)
    board = leaderboard(start=form.start, end=form.end, template=spec)
    mine = next((item for item in board if item.row.agent_id == agent.pk), None)
    context.update(
        version=version,
        spec=spec,
        entry=mine,
        scored=sum(1 for item in board if item.row.rank is not None),
        query=form.period_query(),
    )
    return render_page_or_partial(
        request,
        page="metrics/pages/agent.html",
        partial="metrics/partials/agent_scorecard.html",
        context=context,
    )
