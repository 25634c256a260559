"""The performance API: KPIs, scorecards, drill-down, leaderboards, segments, templates.

Who sees what (docs/api.md) is the rule of `metrics.access`, shared with the pages: supervisors
and admins see every agent; agents and QA reviewers see their own figures, and other agents'
rank and total only when the desk's leaderboard is public. Every figure comes from `metrics.kpis`,
`metrics.scorecards` and `metrics.selectors`, so the API shows what the commands print.
"""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import User
from afterdesk.core.api_schemas import (
    AUTH_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Id,
    PageQuery,
    paginate,
)
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics import selectors, services
from afterdesk.metrics.access import Access, Need, access_agent, access_require, access_rows
from afterdesk.metrics.assignments import agent_templates
from afterdesk.metrics.kpis import compute_kpis, kpis_as_json
from afterdesk.metrics.models import (
    MetricsSettings,
    PublishedScorecard,
    ScorecardTemplate,
    ScorecardTemplateVersion,
)
from afterdesk.metrics.schemas import (
    DrilldownOut,
    DrilldownQuery,
    KpisOut,
    KpisQuery,
    LeaderboardOut,
    LeaderboardQuery,
    MetricsSettingsIn,
    MetricsSettingsOut,
    PublishedOut,
    PublishedPage,
    PublishedQuery,
    PublishIn,
    PublishResultOut,
    ScorecardOut,
    ScorecardQuery,
    SegmentQuery,
    SegmentsOut,
    TeamLeaderboardOut,
    TemplateDetailOut,
    TemplateExportQuery,
    TemplateIn,
    TemplateKey,
    TemplateListItemOut,
    TemplateSavedOut,
    TemplateSaveQuery,
    TemplateVersionOut,
    VersionNumber,
)
from afterdesk.metrics.scorecards import report, scorecard_compute
from afterdesk.metrics.templates import (
    DEFAULT_TEMPLATE_JSON,
    TemplateSpec,
    default_template,
    template_parse,
)

router = Router(tags=["performance"])
# Checked before the path, query and body are read (afterdesk.accounts.api_auth.requires).
CONFIGURE = requires(lambda user: access_require(user, "configure"))
MANAGE = requires(
    lambda user: access_require(
        user, "manage", refusal="only supervisors and admins may publish scorecards"
    )
)


# --- reads that authorise -------------------------------------------------------------------


def _score(value: Fraction | None) -> float | None:
    reported = report(value)
    return float(reported) if reported is not None else None


def _template(key: str) -> tuple[ScorecardTemplateVersion, TemplateSpec]:
    """The latest version of a stored template (404 when unknown) and its parsed form."""
    version = services.template_version_latest(key=key)
    return version, template_parse(version.definition)


def _template_ref(version: ScorecardTemplateVersion) -> dict[str, Any]:
    return {"key": version.template.key, "name": version.template.name, "version": version.number}


_BUILT_IN = {
    "key": DEFAULT_TEMPLATE_JSON["id"],
    "name": DEFAULT_TEMPLATE_JSON["name"],
    "version": None,
}


def _drilldown_template(
    key: str | None, agent: User, end: datetime
) -> tuple[ScorecardTemplateVersion | None, TemplateSpec]:
    """The given template's latest version, else the one that scores the agent for a period
    ending at `end`, else the built-in template (version None)."""
    if key:
        return _template(key)
    own = agent_templates(agent_ids=[agent.pk], end=end).get(agent.pk)
    if own is not None:
        return own.version, own.spec
    return None, default_template()


def _access(request: HttpRequest, need: Need = "self", *, what: str = "") -> Access:
    """The caller's access (`metrics.access`) when it covers `need`, else 403 (naming `what`
    a manager may do, when given)."""
    refusal = f"only supervisors and admins may {what}" if what else None
    return access_require(request_user(request), need, refusal=refusal)


def _agent(access: Access, username: str | None) -> User:
    """The agent whose figures are asked for (`access_agent`: others' are for managers only,
    refused before the lookup); an unknown username is a 422 on `agent`, as for every
    username the API takes."""
    try:
        return access_agent(access, username)
    except NotFound as error:
        raise ValidationError(error.message, field="agent") from error


def _published_get(published_id: int) -> PublishedScorecard:
    published = (
        PublishedScorecard.objects.select_related(
            "template_version__template", "template_version__created_by", "published_by"
        )
        .filter(pk=published_id)
        .first()
    )
    if published is None:
        raise NotFound(f"no published scorecard {published_id}")
    return published


def _published_json(published: PublishedScorecard) -> dict[str, Any]:
    return {
        "id": published.pk,
        "template": _template_ref(published.template_version),
        "period_start": published.period_start,
        "period_end": published.period_end,
        "published_at": published.published_at,
        "published_by": published.published_by.username if published.published_by else None,
        "agents": len(published.rows),
    }


# --- KPIs and scorecards --------------------------------------------------------------------


@router.get("/kpis", response={200: KpisOut, **READ_ERRORS})
def kpis(request: HttpRequest, query: Query[KpisQuery]) -> dict[str, Any]:
    """Every KPI (docs/metrics.md, "KPI catalogue"; `value`, `n`) for every agent with data in
    the period; the template (default: the built-in one) sets the template-dependent KPIs."""
    access = _access(request)
    start, end = query.bounds()
    only = _agent(access, query.agent) if query.agent or not access.manager else None
    if query.template:
        version, spec = _template(query.template)
        ref = _template_ref(version)
    else:
        spec, ref = default_template(), _BUILT_IN
    values = compute_kpis(start=start, end=end, template=spec)
    if only is not None:
        values = {only.pk: values[only.pk]} if only.pk in values else {}
    names = dict(User.objects.filter(pk__in=values).values_list("pk", "username"))
    agents = [{"agent": names[a], "kpis": kpis_as_json(v)} for a, v in values.items()]
    agents.sort(key=lambda row: str(row["agent"]))
    return {"template": ref, "period_start": start, "period_end": end, "agents": agents}


@router.get("/scorecards", response={200: ScorecardOut, **READ_ERRORS})
def scorecards(request: HttpRequest, query: Query[ScorecardQuery]) -> dict[str, Any]:
    """The scorecard (docs/metrics.md, "Scorecard templates") with targets, floors, overrides
    and peer medians: each agent under their own template, ranked within it, or everyone
    under `template`."""
    access = _access(request)
    start, end = query.bounds()
    version, spec = _template(query.template) if query.template else (None, None)
    scored = scorecard_compute(start=start, end=end, template=spec)
    if spec is None and query.own_template:
        scored = [r for r in scored if r.template == query.own_template]
    rows = [r.as_json(detailed=True) for r in scored]
    return {
        "mode": "what_if" if version else "own",
        "template": _template_ref(version) if version else None,
        "period_start": start,
        "period_end": end,
        "ranked": sum(1 for r in rows if r["rank"] is not None),
        "rows": access_rows(access, rows),
    }


@router.get("/scorecards/drilldown", response={200: DrilldownOut, **READ_ERRORS})
def scorecard_drilldown(
    request: HttpRequest, query: Query[DrilldownQuery], page: Query[PageQuery]
) -> dict[str, Any]:
    """The tickets behind one agent's KPI figure, most recently updated first."""
    start, end = query.bounds()
    agent = _agent(_access(request), query.agent)
    version, spec = _drilldown_template(query.template, agent, end)
    tickets = selectors.kpi_tickets(kpi=query.kpi, agent=agent, start=start, end=end, template=spec)
    result = paginate(tickets.select_related("facts"), page)
    return {
        "kpi": query.kpi,
        "agent": agent.username,
        "template": _template_ref(version) if version else _BUILT_IN,
        "period_start": start,
        "period_end": end,
        "count": result.count,
        "limit": result.limit,
        "offset": result.offset,
        "items": result.items,
    }


@router.post(
    "/scorecards/publish",
    response={201: PublishResultOut, 200: PublishResultOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def scorecard_publish(request: HttpRequest, payload: PublishIn) -> Status[dict[str, Any]]:
    """Freeze a scorecard with the template version it used (supervisors and admins): what-if
    under `template`, or the `own_template` group under the version in force at the end. A
    template's period is published once: publishing it again answers 200 with the first one."""
    access = _access(request, "manage", what="publish scorecards")
    start, end = payload.bounds()
    publication = services.scorecard_publish(
        template_key=payload.template,
        own_template=payload.own_template,
        start=start,
        end=end,
        by=access.user,
    )
    detail = _published_detail(access, _published_get(publication.scorecard.pk))
    body = {
        **detail,
        "already_published": not publication.created,
        "message": publication.message,
    }
    return Status(201 if publication.created else 200, body)


def _published_detail(access: Access, published: PublishedScorecard) -> dict[str, Any]:
    rows = list(published.rows)
    return {
        **_published_json(published),
        "template_definition": published.template_version.definition,
        "ranked": sum(1 for r in rows if r.get("rank") is not None),
        "rows": access_rows(access, rows),
    }


@router.get("/scorecards/published", response={200: PublishedPage, **READ_ERRORS})
def published_list(
    request: HttpRequest, query: Query[PublishedQuery], page: Query[PageQuery]
) -> dict[str, Any]:
    """Published scorecards, newest first (optionally of one template), without their rows."""
    request_user(request)
    published = PublishedScorecard.objects.select_related(
        "template_version__template", "published_by"
    ).order_by("-published_at", "-id")
    if query.template:
        published = published.filter(template_version__template__key=query.template)
    result = paginate(published, page)
    return {
        "count": result.count,
        "limit": result.limit,
        "offset": result.offset,
        "items": [_published_json(p) for p in result.items],
    }


@router.get("/scorecards/published/{published_id}", response={200: PublishedOut, **READ_ERRORS})
def published_get(request: HttpRequest, published_id: Id) -> dict[str, Any]:
    """A frozen scorecard, its template version and definition; rows as for live scorecards."""
    return _published_detail(_access(request), _published_get(published_id))


# --- leaderboards and segments --------------------------------------------------------------


def _previous(start: datetime, end: datetime) -> dict[str, datetime]:
    previous_start, previous_end = selectors.previous_period(start, end)
    return {"previous_start": previous_start, "previous_end": previous_end}


def _scoring(user: User, query: LeaderboardQuery, end: datetime) -> selectors.Scoring:
    """One template group (default: yours at the period's end, else the first in use) or,
    with `template`, everyone under it (what-if)."""
    return selectors.scoring_choose(
        end=end, viewer=user, template=query.template, own_template=query.own_template
    )


def _board_json(scoring: selectors.Scoring, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "mode": scoring.mode,
        "template": _template_ref(scoring.version) if scoring.version is not None else None,
        "groups": [
            {
                "key": group.key,
                "name": group.name,
                "version": group.version.number,
                "people": group.people,
                "yours": group.yours,
            }
            for group in scoring.groups.groups
        ],
        "period_start": start,
        "period_end": end,
        **_previous(start, end),
    }


@router.get("/leaderboards/agents", response={200: LeaderboardOut, **READ_ERRORS})
def leaderboard_agents(request: HttpRequest, query: Query[LeaderboardQuery]) -> dict[str, Any]:
    """The agents of one template group ranked by total (docs/metrics.md, "Positions and
    templates"), with the previous period of equal length (rank under the agent's template
    then) and the trend; `template` ranks everyone under one template (what-if)."""
    user = _access(request, "leaderboard").user
    start, end = query.bounds()
    scoring = _scoring(user, query, end)
    board = (
        selectors.leaderboard(
            start=start, end=end, template=scoring.what_if, own_template=scoring.group
        )
        if scoring.version is not None
        else []
    )
    rows = [
        {
            "agent": item.row.agent,
            "template": item.row.template,
            "rank": item.row.rank,
            "total": _score(item.row.total),
            "previous_total": _score(item.previous_total),
            "previous_rank": item.previous_rank,
            "previous_template": item.previous_template,
            "trend": _score(item.trend),
        }
        for item in board
    ]
    return {**_board_json(scoring, start, end), "rows": rows}


@router.get("/leaderboards/teams", response={200: TeamLeaderboardOut, **READ_ERRORS})
def leaderboard_teams(request: HttpRequest, query: Query[LeaderboardQuery]) -> dict[str, Any]:
    """Teams ranked by the mean total of their agents of one template group (templates are
    never mixed), with the previous period; `template`: everyone under it (what-if)."""
    user = _access(request, "leaderboard").user
    start, end = query.bounds()
    scoring = _scoring(user, query, end)
    teams = (
        selectors.team_leaderboard(
            start=start, end=end, template=scoring.what_if, own_template=scoring.group
        )
        if scoring.version is not None
        else []
    )
    rows = [
        {
            "team": row.team,
            "agents": row.agents,
            "rank": row.rank,
            "total": _score(row.total),
            "previous_total": _score(row.previous_total),
            "trend": _score(row.total - row.previous_total)
            if row.total is not None and row.previous_total is not None
            else None,
        }
        for row in teams
    ]
    return {**_board_json(scoring, start, end), "rows": rows}


@router.get("/segments", response={200: SegmentsOut, **READ_ERRORS})
def segments(request: HttpRequest, query: Query[SegmentQuery]) -> dict[str, Any]:
    """Solved-ticket figures per language, market, platform, channel, category or shift."""
    _access(request, "manage", what="see segment views")
    start, end = query.bounds()
    rows = selectors.segment_view(dimension=query.dimension, start=start, end=end)
    return {"dimension": query.dimension, "period_start": start, "period_end": end, "rows": rows}


# --- templates ------------------------------------------------------------------------------


def _template_get(key: str) -> ScorecardTemplate:
    template = ScorecardTemplate.objects.filter(key=key).first()
    if template is None:
        raise NotFound(f"no scorecard template {key!r}")
    return template


def _latest_numbers() -> dict[int, int]:
    rows = ScorecardTemplateVersion.objects.values_list("template_id", "number")
    latest: dict[int, int] = {}
    for template_id, number in rows:
        latest[template_id] = max(number, latest.get(template_id, 0))
    return latest


@router.get("/scorecard-templates", response={200: list[TemplateListItemOut], **AUTH_ERRORS})
def templates_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every stored template (presets included) with its latest version number."""
    request_user(request)
    latest = _latest_numbers()
    return [
        {
            "key": t.key,
            "name": t.name,
            "role": t.role,
            "is_preset": t.is_preset,
            "latest_version": latest.get(t.pk),
        }
        for t in ScorecardTemplate.objects.order_by("key")
    ]


@router.get("/scorecard-templates/{key}", response={200: TemplateDetailOut, **READ_ERRORS})
def template_get(request: HttpRequest, key: TemplateKey) -> dict[str, Any]:
    """The latest definition and every version (newest first)."""
    request_user(request)
    template = _template_get(key)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    return {
        "key": template.key,
        "name": template.name,
        "role": template.role,
        "is_preset": template.is_preset,
        "latest_version": versions[0].number if versions else None,
        "definition": versions[0].definition if versions else {},
        "versions": versions,
    }


def _version_get(key: str, number: int | None) -> ScorecardTemplateVersion:
    versions = ScorecardTemplateVersion.objects.filter(template__key=key).select_related(
        "template", "created_by"
    )
    version = (
        versions.filter(number=number).first()
        if number is not None
        else versions.order_by("-number").first()
    )
    if version is None:
        raise NotFound(f"no version {number} of scorecard template {key!r}")
    return version


@router.get(
    "/scorecard-templates/{key}/versions/{number}",
    response={200: TemplateVersionOut, **READ_ERRORS},
)
def template_version_get(
    request: HttpRequest, key: TemplateKey, number: VersionNumber
) -> ScorecardTemplateVersion:
    request_user(request)
    return _version_get(key, number)


@router.post(
    "/scorecard-templates",
    response={200: TemplateSavedOut, 201: TemplateSavedOut, **WRITE_ERRORS},
    auth=CONFIGURE,
)
def template_save(
    request: HttpRequest, payload: TemplateIn, query: Query[TemplateSaveQuery]
) -> Status[dict[str, Any]]:
    """Store a template (admins). An existing `id` gets a new version (201); a definition equal
    to the latest version changes nothing (200)."""
    user = _access(request, "configure").user
    definition = payload.definition()
    before = ScorecardTemplateVersion.objects.filter(template__key=definition["id"]).count()
    version = services.template_save(definition=definition, by=user, role=query.role)
    created = version.template.versions.count() > before
    body = {
        "key": version.template.key,
        "name": version.template.name,
        "version": version.number,
        "created": created,
    }
    return Status(201 if created else 200, body)


@router.get(
    "/scorecard-templates/{key}/export",
    response=READ_ERRORS,
    openapi_extra={
        "responses": {
            200: {
                "description": "The template's JSON (docs/metrics.md), as a download",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def template_export(
    request: HttpRequest, key: TemplateKey, query: Query[TemplateExportQuery]
) -> HttpResponse:
    """The definition of the latest (or the given) version, as a `.json` download."""
    request_user(request)
    version = _version_get(key, query.version)
    response = HttpResponse(
        json.dumps(version.definition, indent=2, ensure_ascii=False) + "\n",
        content_type="application/json; charset=utf-8",
    )
    filename = f"{version.template.key}-v{version.number}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    patch_vary_headers(response, ["Cookie", "Authorization"])
    return response


# --- settings -------------------------------------------------------------------------------


@router.get("/metrics-settings", response={200: MetricsSettingsOut, **AUTH_ERRORS})
def metrics_settings_get(request: HttpRequest) -> MetricsSettings:
    request_user(request)
    return MetricsSettings.load()


@router.put("/metrics-settings", response={200: MetricsSettingsOut, **WRITE_ERRORS}, auth=CONFIGURE)
def metrics_settings_put(request: HttpRequest, payload: MetricsSettingsIn) -> MetricsSettings:
    """Change the desk's metrics settings (admins)."""
    _access(request, "configure")
    return services.metrics_settings_update(public_leaderboard=payload.public_leaderboard)
