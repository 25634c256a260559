"""Scorecards: the live scorecard, publishing, published scorecards, the drill-down to the
tickets behind a figure, and one agent's scorecard explained (self-service)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, NotFound
from afterdesk.core.errors import PermissionDenied as DomainPermissionDenied
from afterdesk.core.htmx import render_page_or_partial, wants_partial
from afterdesk.metrics.assignments import TemplateResolver
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.contributions import contribution_annotate
from afterdesk.metrics.forms import AgentPeriodForm, DrilldownForm, PeriodForm, ScorecardForm
from afterdesk.metrics.models import PublishedScorecard, ScorecardTemplateVersion
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.selectors import (
    Scoring,
    kpi_reply_waits,
    kpi_tickets,
    leaderboard,
    scorecard_view,
    scoring_choose,
)
from afterdesk.metrics.services import (
    scorecard_publish,
    scorecard_publish_can_undo,
    scorecard_publish_undo_until,
    scorecard_unpublish,
    template_version_latest,
)
from afterdesk.metrics.templates import TemplateSpec, default_template, template_parse
from afterdesk.metrics.views.access import page_access, page_agent

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
    """Every agent under their own template, a section per template group (the viewer's own
    first), ranked within it, then the agents without a template (figures, no score); or one
    group; or everyone under one template (what-if)."""
    access = page_access(request, "manage")
    form = ScorecardForm(request.GET)
    context: dict[str, Any] = {
        "access": access,
        "form": form,
        "section": "scorecard",
        "oob": wants_partial(request),
    }
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "scorecard", "scorecard_table", context)
    scoring = _scoring(form, access.user, one_group=False)
    form.groups_show(scoring.groups, scoring.group or "", every=True)
    view = scorecard_view(start=form.start, end=form.end, scoring=scoring)
    context.update(
        scoring=scoring,
        view=view,
        kpi_ids=KPI_IDS,
        # Links to an agent's page: their own template, or the same what-if template.
        query=form.period_query() if form.what_if else form.bounds_query(),
        bounds=form.bounds_query(),
    )
    return render_page_or_partial(
        request,
        page="metrics/pages/scorecard.html",
        partial="metrics/partials/scorecard_table.html",
        context=context,
    )


def _scoring(form: PeriodForm, viewer: User, *, one_group: bool) -> Scoring:
    assert form.end is not None  # noqa: S101 - a valid form
    try:
        return scoring_choose(
            end=form.end,
            viewer=viewer,
            template=form.what_if or None,
            own_template=form.own_template or None,
            one_group=one_group,
        )
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
@require_POST
def scorecard_publish_view(request: HttpRequest) -> HttpResponse:
    """Publish the what-if scorecard of a template (everyone under its latest version), or one
    template group of the own templates: its agents under the version in force at the
    period's end."""
    access = page_access(request, "manage")
    form = ScorecardForm(request.POST)
    valid = form.is_valid() and form.start is not None and form.end is not None
    if valid and not form.what_if and not form.own_template:
        form.add_error("own_template", _("Choose the template group to publish."))
        valid = False
    if not valid or form.start is None or form.end is None:
        context = {"access": access, "form": form, "section": "scorecard"}
        return _invalid(request, "scorecard", "scorecard_table", context)
    if form.what_if:
        _version(form)  # a template without versions is a 404, not a 500
        publication = scorecard_publish(
            template_key=form.what_if, start=form.start, end=form.end, by=access.user
        )
    else:
        publication = scorecard_publish(
            own_template=form.own_template, start=form.start, end=form.end, by=access.user
        )
    if publication.created:
        until = scorecard_publish_undo_until(publication.scorecard)
        messages.success(
            request,
            _("Published. You can undo it until %(time)s.")
            % {"time": time_format(timezone.localtime(until), "H:i")},
        )
    else:
        messages.info(
            request,
            _(
                "This period was already published on %(date)s; a published scorecard is "
                "frozen, so here is that one, unchanged."
            )
            % {"date": date_format(publication.scorecard.published_at, "DATETIME_FORMAT")},
        )
    return redirect("metrics:published", published_id=publication.scorecard.pk)


@login_required
@require_GET
def published_list(request: HttpRequest) -> HttpResponse:
    access = page_access(request, "manage")
    published = PublishedScorecard.objects.select_related(
        "template_version__template", "published_by"
    )[:200]
    context = {"access": access, "published": published, "section": "published"}
    return render(request, "metrics/pages/published_list.html", context)


@login_required
@require_GET
def published_detail(request: HttpRequest, published_id: int) -> HttpResponse:
    access = page_access(request, "manage")
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
    # Drill-downs use the frozen version: the one that scored the rows.
    version = urlencode({"version": published.template_version.number})
    context = {
        "access": access,
        "published": published,
        "spec": spec,
        "query": f"{form.period_query()}&{version}",
        "section": "published",
        "undo_until": scorecard_publish_undo_until(published)
        if scorecard_publish_can_undo(published, by=access.user, now=timezone.now())
        else None,
    }
    return render(request, "metrics/pages/published.html", context)


@login_required
@require_POST
def published_undo(request: HttpRequest, published_id: int) -> HttpResponse:
    """Take a publish back within its undo window (metrics.services.scorecard_unpublish): back
    to the scorecard of that period; too late, or someone else's, says so on the page."""
    access = page_access(request, "manage")
    published = get_object_or_404(PublishedScorecard, pk=published_id)
    try:
        scorecard_unpublish(published=published, by=access.user, now=timezone.now())
    except (Conflict, DomainPermissionDenied) as error:
        messages.error(request, _("Not undone: %(reason)s.") % {"reason": error.message})
        return redirect("metrics:published", published_id=published.pk)
    messages.success(request, _("The publish was undone: nothing of it is kept."))
    bounds = urlencode(
        {
            "period": "custom",
            "from": published.period_start.isoformat(),
            "to": published.period_end.isoformat(),
        }
    )
    return redirect(f"{reverse('metrics:scorecard')}?{bounds}")


@login_required
@require_GET
def drilldown(request: HttpRequest) -> HttpResponse:
    """The tickets behind one agent's KPI figure; agents may open only their own. For
    `reply_time_business` the rows are the replies behind it, each with the buyer message it
    answers."""
    access = page_access(request, "self")
    form = DrilldownForm(request.GET)
    context: dict[str, Any] = {"access": access, "form": form, "section": "drilldown"}
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "drilldown", "drilldown_list", context)
    agent = page_agent(access, form.cleaned_data["agent"])
    version, spec = _drilldown_template(form, agent)
    rows: QuerySet[Any]
    if form.cleaned_data["kpi"] == "reply_time_business":
        rows = kpi_reply_waits(agent=agent, start=form.start, end=form.end).select_related(
            "ticket", "inbound_event__message", "reply_event__message"
        )
    else:
        rows = contribution_annotate(
            kpi_tickets(
                kpi=form.cleaned_data["kpi"],
                agent=agent,
                start=form.start,
                end=form.end,
                template=spec,
            ).select_related("assignee", "team"),
            kpi=form.cleaned_data["kpi"],
            agent=agent,
            start=form.start,
            end=form.end,
        )
    page = Paginator(rows, DRILLDOWN_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        section="me" if agent == access.user else "scorecard",
        agent=agent,
        kpi=form.cleaned_data["kpi"],
        page=page,
        spec=spec,
        version=version,
        start=form.start,
        end=form.end,
        query=query.urlencode(),
        period_query=form.back_query(),
    )
    return render(request, "metrics/pages/drilldown.html", context)


def _drilldown_template(
    form: DrilldownForm, agent: User
) -> tuple[ScorecardTemplateVersion | None, TemplateSpec]:
    """The template that scored the row: the given version of the given template (own
    templates: the one in force at the period's end), or its latest (what-if); none given:
    the agent's own template at the period's end, else the built-in one (the figures of an
    agent without a template), as the API's drill-down."""
    key, number = form.what_if, form.cleaned_data.get("version")
    if not key:
        assert form.end is not None  # noqa: S101 - a valid form
        own = TemplateResolver().for_agent(agent_id=agent.pk, position=agent.position, end=form.end)
        return (own.version, own.spec) if own is not None else (None, default_template())
    if number is None:
        version = _version(form)
    else:
        found = (
            ScorecardTemplateVersion.objects.select_related("template")
            .filter(template__key=key, number=number)
            .first()
        )
        if found is None:
            raise Http404(f"no version {number} of scorecard template {key!r}")
        version = found
    return version, template_parse(version.definition)


@login_required
@require_GET
def agent_scorecard(request: HttpRequest, username: str = "") -> HttpResponse:
    """One agent's row explained: the template that scores them (their own, in force at the
    period's end: personal or their position's) or a what-if template, rank within that
    template's agents, trend and each KPI's formula with its numbers. Without a template: the
    figures, no score. `/performance/me/` for oneself; managers may open any agent's."""
    access = page_access(request, "self")
    agent = page_agent(access, username)
    form = AgentPeriodForm(request.GET)
    context: dict[str, Any] = {
        "access": access,
        "agent": agent,
        "form": form,
        "section": "me" if agent == access.user else "scorecard",
    }
    if not form.is_valid() or form.start is None or form.end is None:
        return _invalid(request, "agent", "agent_scorecard", context)
    own = None
    if form.what_if:
        version = _version(form)
        spec: TemplateSpec | None = template_parse(version.definition)
        board = leaderboard(start=form.start, end=form.end, template=spec)
    else:
        own = TemplateResolver().for_agent(agent_id=agent.pk, position=agent.position, end=form.end)
        if own is not None:
            version, spec = own.version, own.spec
            board = leaderboard(start=form.start, end=form.end, own_template=own.key)
    if form.what_if or own is not None:
        mine = next((item for item in board if item.row.agent_id == agent.pk), None)
        context.update(
            version=version,
            spec=spec,
            entry=mine,
            scored=sum(1 for item in board if item.row.rank is not None),
        )
    else:  # no template: the figures without scores
        row = next(
            (
                r
                for r in scorecard_compute(start=form.start, end=form.end)
                if r.agent_id == agent.pk
            ),
            None,
        )
        context.update(unassigned=True, row=row, kpi_ids=KPI_IDS)
    context.update(
        own=own,
        query=form.period_query(),
        drill_query=_drill_query(form, version if form.what_if or own else None),
    )
    return render_page_or_partial(
        request,
        page="metrics/pages/agent.html",
        partial="metrics/partials/agent_scorecard.html",
        context=context,
    )


def _drill_query(form: PeriodForm, version: ScorecardTemplateVersion | None) -> str:
    """The drill-down query of a figure on the agent page: the template and version that
    scored it (none: the built-in template of an agent without one)."""
    if version is None:
        return form.bounds_query()
    params = {"template": version.template.key}
    if not form.what_if:
        params["version"] = str(version.number)
    return f"{urlencode(params)}&{form.bounds_query()}"
