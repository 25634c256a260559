"""Each agent's month against their team's median: what the monthly performance email says
(docs/recognition.md, "The monthly email")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from django.db.models import Prefetch

from afterdesk.accounts.models import Team, User
from afterdesk.metrics.catalogue import HIGHER, KPI_DIRECTION
from afterdesk.metrics.kpis import AgentKpis, compute_kpis
from afterdesk.metrics.scorecards import median
from afterdesk.metrics.templates import default_template
from afterdesk.recognition.months import month_bounds

# The figures of the email: the ones every agent has whatever their template.
REPORT_KPIS = (
    "handled_volume",
    "first_reply_time_business",
    "reply_time_business",
    "resolution_time_business",
    "fcr_rate",
    "csat_rate",
    "qa_score",
)


@dataclass(frozen=True)
class ReportLine:
    kpi: str
    value: Fraction | None
    n: int
    median: Fraction | None  # of the team's agents with a value

    @property
    def better(self) -> bool | None:
        """True when the agent's value is better than the median, False when worse, None when
        equal or either is missing."""
        if self.value is None or self.median is None or self.value == self.median:
            return None
        higher = KPI_DIRECTION[self.kpi] == HIGHER
        return (self.value > self.median) == higher


@dataclass(frozen=True)
class AgentReport:
    agent: User
    team: str  # the team compared with ("" = everyone with figures: the agent has no team)
    peers: int  # agents with figures in that team, the agent included
    lines: list[ReportLine]


def _team_of(agent: User) -> Team | None:
    teams = sorted(agent.teams.all(), key=lambda team: team.name)
    return teams[0] if teams else None


def agent_reports(month: date) -> list[AgentReport]:
    """One report per agent with figures in the month, by username. The team is the agent's
    first team by name; an agent without a team is compared with everyone."""
    start, end = month_bounds(month)
    kpis = compute_kpis(start=start, end=end, template=default_template())
    agents = list(
        User.objects.filter(pk__in=list(kpis))
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("username")
    )
    team_of = {agent.pk: _team_of(agent) for agent in agents}
    members: dict[int | None, list[int]] = {}
    for agent in agents:
        team = team_of[agent.pk]
        members.setdefault(team.pk if team else None, []).append(agent.pk)
    members[None] = [agent.pk for agent in agents]
    out = []
    for agent in agents:
        team = team_of[agent.pk]
        peers = members[team.pk if team else None]
        out.append(
            AgentReport(
                agent=agent,
                team=team.name if team else "",
                peers=len(peers),
                lines=[_line(kpi, kpis[agent.pk], [kpis[p] for p in peers]) for kpi in REPORT_KPIS],
            )
        )
    return out


def _line(kpi: str, own: AgentKpis, peers: list[AgentKpis]) -> ReportLine:
    values = [v for p in peers if (v := p[kpi].value) is not None]
    return ReportLine(kpi, own[kpi].value, own[kpi].n, median(values))
