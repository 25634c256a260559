"""The weekly review's team trends: each team's KPIs over the trend weeks, pooled over its
members (split from `reports.review`, which puts them in the review).

Under own templates each week takes the templates (and their versions) in force at that week's
end and shows KPIs only; with a template (what-if), everyone is scored under it and the team's
mean total is shown too. The KPIs come from `compute_kpis`, or from the review's `KpiStore`
(metrics.stored) when given.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from afterdesk.accounts.models import Team, User
from afterdesk.metrics.assignments import AssignedTemplate, TemplateResolver
from afterdesk.metrics.kpis import KpiValue, compute_kpis
from afterdesk.metrics.scorecards import agent_segments, score_agent
from afterdesk.metrics.stored import KpiStore
from afterdesk.metrics.templates import TemplateSpec, default_template

TREND_WEEKS = 8
WEEK = timedelta(days=7)
NO_TEAM = "(no team)"
# Team figures in the trend: pooled over the team's members (an agent counts in each team).
TEAM_KPIS = ("handled_volume", "first_reply_time_business", "sla_first_reply_rate", "csat_rate")


@dataclass(frozen=True)
class TeamWeek:
    start: datetime
    end: datetime
    total: Fraction | None  # what-if only: mean total score of the team's scored agents
    scored_agents: int  # what-if only (0 under own templates)
    kpis: dict[str, KpiValue]
    agents: int = 0  # members with data in the week


@dataclass(frozen=True)
class TeamTrend:
    team: str
    weeks: list[TeamWeek]


def trend_weeks(end: datetime, count: int = TREND_WEEKS) -> list[tuple[datetime, datetime]]:
    """The `count` weeks ending at `end`, oldest first (wall-clock weeks in end's zone)."""
    return [(end - WEEK * (k + 1), end - WEEK * k) for k in reversed(range(count))]


def _memberships() -> dict[int, list[str]]:
    teams: dict[int, list[str]] = defaultdict(list)
    for user_id, name in Team.members.through.objects.values_list("user_id", "team__name"):
        teams[user_id].append(name)
    return teams


def _pooled(values: list[KpiValue], kpi: str) -> KpiValue:
    """A team's KPI from its members': volumes add up; means and shares are pooled by n
    (Σ value·n / Σ n is exactly the mean over the team's tickets)."""
    counted = [v for v in values if v.value is not None and v.n > 0]
    n = sum(v.n for v in counted)
    if not n:
        return KpiValue(None, 0)
    if kpi == "handled_volume":
        return KpiValue(Fraction(n), n)
    return KpiValue(
        sum((v.value * v.n for v in counted if v.value is not None), Fraction(0)) / n, n
    )


class OwnTemplates:
    """Every user's own template at any instant: three queries in all, however many weeks."""

    def __init__(self) -> None:
        self._resolver = TemplateResolver()
        self._positions = dict(User.objects.values_list("pk", "position"))

    def at(self, end: datetime) -> dict[int, AssignedTemplate]:
        """Agent id → the template scoring them for a period ending at `end` (if any)."""
        result = {}
        for agent_id, position in self._positions.items():
            assigned = self._resolver.for_agent(agent_id=agent_id, position=position, end=end)
            if assigned is not None:
                result[agent_id] = assigned
        return result


def _team_week(
    start: datetime,
    end: datetime,
    teams: dict[int, list[str]],
    template: TemplateSpec | None,
    own: dict[int, AssignedTemplate],
    own_template: str | None,
    store: KpiStore | None = None,
) -> dict[str, TeamWeek]:
    """Each team's week. What-if: everyone under `template`, with the mean total. Own
    templates: each agent's KPIs with their template's parameters (`own`, at the week's end),
    no total; with `own_template`, only the agents whose template it is that week."""
    if template is not None:
        values = (
            store.compute_kpis(start=start, end=end, template=template)
            if store is not None
            else compute_kpis(start=start, end=end, template=template)
        )
    else:
        specs = {agent_id: assigned.spec for agent_id, assigned in own.items()}
        values = (  # no scores here: the team KPIs are all it reads
            store.compute_kpis(
                start=start,
                end=end,
                template=default_template(),
                agent_templates=specs,
                kpi_ids=TEAM_KPIS,
            )
            if store is not None
            else compute_kpis(
                start=start, end=end, template=default_template(), agent_templates=specs
            )
        )
        if own_template is not None:
            values = {a: v for a, v in values.items() if a in own and own[a].key == own_template}
    totals: dict[str, list[Fraction]] = defaultdict(list)
    members: dict[str, list[int]] = defaultdict(list)
    people = agent_segments(list(values)) if template is not None else {}
    for agent_id, kpis in values.items():
        total = None
        if template is not None:
            name, segment = people[agent_id]
            total = score_agent(
                agent_id=agent_id, agent=name, values=kpis, template=template, segment=segment
            ).total
        for team in teams.get(agent_id) or [NO_TEAM]:
            members[team].append(agent_id)
            if total is not None:
                totals[team].append(total)
    return {
        team: TeamWeek(
            start,
            end,
            sum(totals[team], Fraction(0)) / len(totals[team]) if totals[team] else None,
            len(totals[team]),
            {kpi: _pooled([values[a][kpi] for a in ids], kpi) for kpi in TEAM_KPIS},
            len(ids),
        )
        for team, ids in members.items()
    }


def team_trends(
    *,
    weeks: list[tuple[datetime, datetime]],
    template: TemplateSpec | None,
    own_template: str | None = None,
    own: OwnTemplates | None = None,
    store: KpiStore | None = None,
) -> list[TeamTrend]:
    """Each team over `weeks`. Under own templates each week takes the templates (and their
    versions) in force at that week's end. `store`: the KPIs from it (metrics.stored)."""
    teams = _memberships()
    if template is None and own is None:
        own = OwnTemplates()

    def own_at(end: datetime) -> dict[int, AssignedTemplate]:
        return own.at(end) if template is None and own is not None else {}

    per_week = [
        _team_week(start, end, teams, template, own_at(end), own_template, store)
        for start, end in weeks
    ]
    names = sorted({team for week in per_week for team in week}, key=lambda t: (t == NO_TEAM, t))
    empty: dict[str, KpiValue] = {kpi: KpiValue(None, 0) for kpi in TEAM_KPIS}
    return [
        TeamTrend(
            team,
            [
                week.get(team) or TeamWeek(start, end, None, 0, empty)
                for (start, end), week in zip(weeks, per_week, strict=True)
            ],
        )
        for team in names
    ]
