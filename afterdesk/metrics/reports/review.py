"""The weekly review: one data structure, built once, rendered as HTML and as PDF.

Every figure comes from the metrics core (METRICS.md §3–§5): `compute_kpis`, `score_agent`,
`selectors.leaderboard` and `TicketFacts`; nothing here redefines a KPI.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from functools import reduce
from operator import or_

from django.db.models import BigIntegerField, Case, Count, F, Q, Value, When

from afterdesk.accounts.models import Team
from afterdesk.metrics.kpis import US_PER_MINUTE, KpiValue, compute_kpis, period_validate
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.scorecards import agent_segments, score_agent
from afterdesk.metrics.selectors import LeaderboardRow, leaderboard, previous_period
from afterdesk.metrics.templates import TemplateSpec
from afterdesk.tickets.models import Ticket

TREND_WEEKS = 8
WEEK = timedelta(days=7)
NO_TEAM = "(no team)"
NO_ORDER = "(no order)"
NONE_LABEL = "(none)"
# Team figures in the trend: pooled over the team's members (an agent counts in each team).
TEAM_KPIS = ("handled_volume", "first_reply_time_business", "sla_first_reply_rate", "csat_rate")


@dataclass(frozen=True)
class TeamWeek:
    start: datetime
    end: datetime
    total: Fraction | None  # mean total score of the team's scored agents
    scored_agents: int
    kpis: dict[str, KpiValue]


@dataclass(frozen=True)
class TeamTrend:
    team: str
    weeks: list[TeamWeek]


@dataclass(frozen=True)
class Distribution:
    """Ticket counts by (row, column), e.g. SKU × category; rows and columns by total, desc."""

    dimension: str
    rows: list[str]
    columns: list[str]
    counts: dict[tuple[str, str], int]

    def count(self, row: str, column: str) -> int:
        return self.counts.get((row, column), 0)

    def row_total(self, row: str) -> int:
        return sum(self.count(row, c) for c in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.count(r, column) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def folded(self, max_rows: int) -> Distribution:
        """The first `max_rows` rows, the rest summed into one "other" row."""
        if len(self.rows) <= max_rows:
            return self
        kept, rest = self.rows[:max_rows], self.rows[max_rows:]
        other = f"other ({len(rest)})"
        counts = {key: n for key, n in self.counts.items() if key[0] in kept}
        for column in self.columns:
            n = sum(self.count(r, column) for r in rest)
            if n:
                counts[(other, column)] = n
        return Distribution(self.dimension, [*kept, other], self.columns, counts)

    def table(self) -> list[tuple[str, list[int], int]]:
        return [(r, [self.count(r, c) for c in self.columns], self.row_total(r)) for r in self.rows]


@dataclass(frozen=True)
class SlaBreach:
    ticket_id: int
    subject: str
    priority: str
    category: str
    market: str
    agent: str | None
    first_reply_at: datetime
    business_minutes: Fraction
    target_minutes: Fraction

    @property
    def over_minutes(self) -> Fraction:
        return self.business_minutes - self.target_minutes


@dataclass(frozen=True)
class Improver:
    agent: str
    total: Fraction
    previous_total: Fraction
    rank: int | None
    previous_rank: int | None

    @property
    def change(self) -> Fraction:
        return self.total - self.previous_total


@dataclass(frozen=True)
class WeeklyReview:
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    template: TemplateSpec
    weeks: list[tuple[datetime, datetime]]
    team_trends: list[TeamTrend]
    leaderboard: list[LeaderboardRow]
    by_sku: Distribution
    by_market: Distribution
    breaches: list[SlaBreach]
    breach_count: int
    first_replies_with_target: int
    improvers: list[Improver]
    tickets_created: int


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


def _team_week(
    start: datetime, end: datetime, template: TemplateSpec, teams: dict[int, list[str]]
) -> dict[str, TeamWeek]:
    values = compute_kpis(start=start, end=end, template=template)
    people = agent_segments(list(values))
    totals: dict[str, list[Fraction]] = defaultdict(list)
    members: dict[str, list[int]] = defaultdict(list)
    for agent_id, kpis in values.items():
        name, segment = people[agent_id]
        row = score_agent(
            agent_id=agent_id, agent=name, values=kpis, template=template, segment=segment
        )
        for team in teams.get(agent_id) or [NO_TEAM]:
            members[team].append(agent_id)
            if row.total is not None:
                totals[team].append(row.total)
    return {
        team: TeamWeek(
            start,
            end,
            sum(totals[team], Fraction(0)) / len(totals[team]) if totals[team] else None,
            len(totals[team]),
            {kpi: _pooled([values[a][kpi] for a in ids], kpi) for kpi in TEAM_KPIS},
        )
        for team, ids in members.items()
    }


def team_trends(
    *, weeks: list[tuple[datetime, datetime]], template: TemplateSpec
) -> list[TeamTrend]:
    teams = _memberships()
    per_week = [_team_week(start, end, template, teams) for start, end in weeks]
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


def _distribution(dimension: str, pairs: dict[tuple[str, str], int]) -> Distribution:
    row_totals: dict[str, int] = defaultdict(int)
    column_totals: dict[str, int] = defaultdict(int)
    for (row, column), n in pairs.items():
        row_totals[row] += n
        column_totals[column] += n
    return Distribution(
        dimension,
        sorted(row_totals, key=lambda r: (-row_totals[r], r)),
        sorted(column_totals, key=lambda c: (-column_totals[c], c)),
        dict(pairs),
    )


def problem_distributions(*, start: datetime, end: datetime) -> tuple[Distribution, Distribution]:
    """Tickets created in the period by category × SKU (of the lines of the orders linked to
    the ticket; a ticket counts once per distinct SKU) and by category × market."""
    created = Ticket.objects.filter(created_at__gte=start, created_at__lt=end)
    by_sku: dict[tuple[str, str], int] = {}
    for row in (
        created.values("category", "orders__lines__sku")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        key = (row["orders__lines__sku"] or NO_ORDER, row["category"] or NONE_LABEL)
        by_sku[key] = by_sku.get(key, 0) + row["n"]
    by_market: dict[tuple[str, str], int] = {}
    for cell in created.values("category", "market").annotate(n=Count("pk")).order_by():
        key = (cell["market"] or NONE_LABEL, cell["category"] or NONE_LABEL)
        by_market[key] = by_market.get(key, 0) + cell["n"]
    return _distribution("sku", by_sku), _distribution("market", by_market)


def sla_breaches(
    *, start: datetime, end: datetime, template: TemplateSpec, limit: int = 10
) -> tuple[list[SlaBreach], int, int]:
    """The customer-initiated tickets whose first reply (dated in the period, as
    `sla_first_reply_rate`) took the most business minutes beyond their priority's
    `first_reply_target`; with the number of breaches and of first replies with a target."""
    targets = {p: Fraction(m) for p, m in template.first_reply_target.items()}
    if not targets:
        return [], 0, 0
    # Integer microseconds compare exactly with the target (§2): us > target ⇔ us > ⌊target⌋.
    target_us = {p: math.floor(t * US_PER_MINUTE) for p, t in targets.items()}
    replied = TicketFacts.objects.filter(
        first_reply_at__gte=start,
        first_reply_at__lt=end,
        customer_initiated=True,
        first_reply_business_us__isnull=False,
        ticket__priority__in=list(targets),
    )
    breached = replied.filter(
        reduce(
            or_,
            [Q(ticket__priority=p, first_reply_business_us__gt=us) for p, us in target_us.items()],
        )
    )
    over = Case(
        *[
            When(ticket__priority=p, then=F("first_reply_business_us") - Value(us))
            for p, us in target_us.items()
        ],
        output_field=BigIntegerField(),
    )
    worst = (
        breached.annotate(over=over)
        .select_related("ticket", "first_reply_agent")
        .order_by("-over", "ticket_id")[:limit]
    )
    rows = [
        SlaBreach(
            ticket_id=f.ticket_id,
            subject=f.ticket.subject,
            priority=f.ticket.priority,
            category=f.ticket.category,
            market=f.ticket.market,
            agent=f.first_reply_agent.username if f.first_reply_agent else None,
            first_reply_at=f.first_reply_at,  # type: ignore[arg-type]  # filtered non-null
            business_minutes=Fraction(f.first_reply_business_us or 0, US_PER_MINUTE),
            target_minutes=targets[f.ticket.priority],
        )
        for f in worst
    ]
    return rows, breached.count(), replied.count()


def improvers(rows: list[LeaderboardRow], limit: int = 5) -> list[Improver]:
    """The agents whose total rose most against the previous period (both periods scored)."""
    rising = [
        Improver(r.row.agent, r.row.total, r.previous_total, r.row.rank, r.previous_rank)
        for r in rows
        if r.row.total is not None and r.previous_total is not None
    ]
    rising = [i for i in rising if i.change > 0]
    return sorted(rising, key=lambda i: (-i.change, i.agent))[:limit]


def weekly_review(*, start: datetime, end: datetime, template: TemplateSpec) -> WeeklyReview:
    """Everything the weekly review shows for [start, end); usually a Monday–Monday week."""
    period_validate(start, end)
    previous_start, previous_end = previous_period(start, end)
    weeks = trend_weeks(end)
    board = leaderboard(start=start, end=end, template=template)
    by_sku, by_market = problem_distributions(start=start, end=end)
    breaches, breach_count, targeted = sla_breaches(start=start, end=end, template=template)
    return WeeklyReview(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        template=template,
        weeks=weeks,
        team_trends=team_trends(weeks=weeks, template=template),
        leaderboard=board,
        by_sku=by_sku,
        by_market=by_market,
        breaches=breaches,
        breach_count=breach_count,
        first_replies_with_target=targeted,
        improvers=improvers(board),
        tickets_created=Ticket.objects.filter(created_at__gte=start, created_at__lt=end).count(),
    )
