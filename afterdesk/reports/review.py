"""The weekly review: one data structure, built once, rendered as HTML and as PDF.

Every figure comes from the metrics core (docs/metrics.md): `compute_kpis`, `score_agent`,
`scorecard_compute` and `TicketFacts`; nothing here redefines a KPI.

Two modes, as the scorecard (docs/metrics.md, "Positions and templates"). By default each agent
is scored under their own template: the leaderboard is one group per template, ranked within
it, and the agents without a template are listed apart, unranked; team trends then show KPIs
only, since a mean of totals from different templates means nothing. With a template, everyone
is scored under it (what-if): one group, and team trends also show the mean total.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import BigIntegerField, Case, Count, F, Q, Value, When
from django.utils.translation import gettext

from afterdesk.metrics.assignments import AssignedTemplate
from afterdesk.metrics.kpis import US_PER_MINUTE, compute_kpis, period_validate
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.scorecards import (
    KpisCompute,
    ScorecardRow,
    scorecard_compute,
)
from afterdesk.metrics.selectors import previous_period
from afterdesk.metrics.stored import KpiStore, figures_key
from afterdesk.metrics.templates import TemplateSpec, default_template
from afterdesk.reports.exports import mode_check
from afterdesk.reports.trends import NO_TEAM as NO_TEAM  # where the review's callers look
from afterdesk.reports.trends import TEAM_KPIS as TEAM_KPIS
from afterdesk.reports.trends import TREND_WEEKS as TREND_WEEKS
from afterdesk.reports.trends import OwnTemplates, TeamTrend, team_trends, trend_weeks
from afterdesk.reports.trends import TeamWeek as TeamWeek
from afterdesk.tickets.models import Ticket

BREACHES_LIMIT = 10  # the worst SLA breaches listed
NO_ORDER = "(no order)"
NONE_LABEL = "(none)"


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
        # A row label of the page, PDF and exports (computed for each; never stored).
        other = gettext("other (%(count)s)") % {"count": len(rest)}
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
class LeaderboardRow:
    """A leaderboard row with the agent's previous total and rank, when the same template
    scored them in the previous period (totals of two templates do not compare)."""

    row: ScorecardRow
    previous_total: Fraction | None
    previous_rank: int | None

    @property
    def trend(self) -> Fraction | None:
        if self.row.total is None or self.previous_total is None:
            return None
        return self.row.total - self.previous_total


@dataclass(frozen=True)
class LeaderboardGroup:
    """The agents scored under one template, ranked within it, with its most improved."""

    template: str  # the template's key
    name: str
    version: int | None  # the version in force at the period's end; None: what-if (latest)
    rows: list[LeaderboardRow]
    improvers: list[Improver]


@dataclass(frozen=True)
class WeeklyReview:
    start: datetime
    end: datetime
    previous_start: datetime
    previous_end: datetime
    template: TemplateSpec | None  # None: each agent under their own template
    own_template: str | None  # own templates, only the agents of this one
    weeks: list[tuple[datetime, datetime]]
    team_trends: list[TeamTrend]
    groups: list[LeaderboardGroup]
    without_template: list[ScorecardRow]  # own templates: agents with data but no template
    by_sku: Distribution
    by_market: Distribution
    breaches: list[SlaBreach]
    breach_count: int
    first_replies_with_target: int
    tickets_created: int
    # The templates assigned to someone at the period's end (key, name), by name, and whose
    # each agent's is: the page's picker of template groups.
    templates_in_use: list[tuple[str, str]]
    own_templates: dict[int, str]

    @property
    def what_if(self) -> bool:
        return self.template is not None

    @property
    def leaderboard(self) -> list[LeaderboardRow]:
        """Every group's rows, group after group (ranks restart in each)."""
        return [row for group in self.groups for row in group.rows]


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


# A share of the first replies and the template whose targets apply to it: the first replies
# of these agents, or (None) every first reply not in another scope, unanswered agent included.
SlaScope = tuple[list[int] | None, TemplateSpec]


def sla_scopes(
    *, template: TemplateSpec | None, own: dict[int, AssignedTemplate], own_template: str | None
) -> list[SlaScope]:
    """What-if: every first reply against `template`'s targets. Own templates: each agent's
    against their template's; the others' (no template) against the built-in default
    template's, as their `sla_first_reply_rate`; with `own_template`, only its agents'."""
    if template is not None:
        return [(None, template)]
    by_key: dict[str, tuple[list[int], TemplateSpec]] = {}
    for agent_id, assigned in sorted(own.items()):
        by_key.setdefault(assigned.key, ([], assigned.spec))[0].append(agent_id)
    if own_template is not None:
        return [by_key[own_template]] if own_template in by_key else []
    return [*(by_key[key] for key in sorted(by_key)), (None, default_template())]


def _scope_q(agents: list[int] | None, listed: list[int]) -> Q:
    if agents is not None:
        return Q(first_reply_agent__in=agents)
    if not listed:
        return Q()
    return ~Q(first_reply_agent__in=listed) | Q(first_reply_agent__isnull=True)


def sla_breaches(
    *,
    start: datetime,
    end: datetime,
    scopes: list[SlaScope],
    limit: int = BREACHES_LIMIT,
    store: KpiStore | None = None,
) -> tuple[list[SlaBreach], int, int]:
    """The customer-initiated tickets whose first reply (dated in the period, as
    `sla_first_reply_rate`) took the most business minutes beyond their priority's
    `first_reply_target` (of the template of the scope the reply falls in); with the number of
    breaches and of first replies with a target.

    Which tickets and both counts are read from `store` while current (metrics.stored: they
    depend only on facts dated in the period and on the scopes, which name the key); the
    tickets' rows are then read as they are now."""

    def compute() -> list[Any]:
        return _breaches_find(start=start, end=end, scopes=scopes, limit=limit)

    if store is None:
        found = compute()
    else:
        key = breaches_key(start=start, end=end, scopes=scopes, limit=limit)
        found = store.figures(key=key, start=start, end=end, compute=compute)
    ids, breach_count, targeted = found
    facts = TicketFacts.objects.select_related("ticket", "first_reply_agent").in_bulk(ids)
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
            target_minutes=_target_of(scopes, f.first_reply_agent_id, f.ticket.priority),
        )
        for f in (facts[pk] for pk in ids if pk in facts)  # (a ticket deleted since: gone)
    ]
    return rows, breach_count, targeted


def breaches_key(
    *, start: datetime, end: datetime, scopes: list[SlaScope], limit: int = BREACHES_LIMIT
) -> str:
    """The stored breaches' key: the period, the limit and what `_breaches_find` reads of the
    scopes (their agents and first-reply targets). Only a review's own period stores them,
    which is how `reports.warm` finds the reviews that were viewed."""
    parts = [
        (sorted(agents) if agents is not None else None, sorted(spec.first_reply_target.items()))
        for agents, spec in scopes
    ]
    return figures_key("sla_breaches", start, end, (limit, parts))


def _breaches_find(
    *, start: datetime, end: datetime, scopes: list[SlaScope], limit: int
) -> list[Any]:
    """[the ids of the `limit` worst breaches' tickets, worst first; the number of breaches;
    the number of first replies with a target] (JSON, for the store)."""
    listed = [a for agents, _spec in scopes if agents is not None for a in agents]
    # (agents' condition, priority, target in minutes, target in µs) for every target.
    # Integer microseconds compare exactly with the target: us > target ⇔ us > ⌊target⌋.
    targets = [
        (_scope_q(agents, listed), priority, Fraction(m), math.floor(Fraction(m) * US_PER_MINUTE))
        for agents, spec in scopes
        if agents is None or agents
        for priority, m in spec.first_reply_target.items()
    ]
    if not targets:
        return [[], 0, 0]
    replied = TicketFacts.objects.filter(
        first_reply_at__gte=start,
        first_reply_at__lt=end,
        customer_initiated=True,
        first_reply_business_us__isnull=False,
    ).filter(reduce(or_, [who & Q(ticket__priority=p) for who, p, _m, _us in targets]))
    breached = replied.filter(
        reduce(
            or_,
            [
                who & Q(ticket__priority=p, first_reply_business_us__gt=us)
                for who, p, _m, us in targets
            ],
        )
    )
    over = Case(
        *[
            When(who & Q(ticket__priority=p), then=F("first_reply_business_us") - Value(us))
            for who, p, _m, us in targets
        ],
        output_field=BigIntegerField(),
    )
    worst = (
        breached.annotate(over=over)
        .order_by("-over", "ticket_id")
        .values_list("ticket_id", flat=True)[:limit]
    )
    return [list(worst), breached.count(), replied.count()]


def _target_of(scopes: list[SlaScope], agent_id: int | None, priority: str) -> Fraction:
    """The target that applied to a first reply by `agent_id` (the first scope holding them,
    else the catch-all one)."""
    chosen = next(
        (spec for agents, spec in scopes if agents is not None and agent_id in agents),
        None,
    )
    if chosen is None:
        chosen = next(spec for agents, spec in scopes if agents is None)
    return Fraction(chosen.first_reply_target[priority])


def improvers(rows: list[LeaderboardRow], limit: int = 5) -> list[Improver]:
    """The agents whose total rose most against the previous period (both periods scored)."""
    rising = [
        Improver(r.row.agent, r.row.total, r.previous_total, r.row.rank, r.previous_rank)
        for r in rows
        if r.row.total is not None and r.previous_total is not None
    ]
    rising = [i for i in rising if i.change > 0]
    return sorted(rising, key=lambda i: (-i.change, i.agent))[:limit]


def _pair(current: list[ScorecardRow], before: list[ScorecardRow]) -> list[LeaderboardRow]:
    """Each row with the agent's previous total and rank when they were scored under the same
    template then (a change of template leaves nothing to compare with)."""
    previous = {r.agent_id: r for r in before}
    rows = []
    for row in current:
        then = previous.get(row.agent_id)
        same = then is not None and then.template == row.template
        rows.append(
            LeaderboardRow(
                row,
                then.total if same and then is not None else None,
                then.rank if same and then is not None else None,
            )
        )
    return rows


def leaderboard_groups(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None,
    own_template: str | None = None,
    kpis: KpisCompute = compute_kpis,
) -> tuple[list[LeaderboardGroup], list[ScorecardRow]]:
    """The leaderboard, one group per template (by key), each ranked within itself, against
    the previous period of equal length; and the agents without a template (own templates,
    all groups only)."""
    previous_start, previous_end = previous_period(start, end)
    current = scorecard_compute(start=start, end=end, template=template, kpis=kpis)
    # Only the totals and ranks of the previous period are shown.
    before = scorecard_compute(
        start=previous_start, end=previous_end, template=template, kpis=kpis, medians=False
    )
    if template is not None:
        rows = _pair(current, before)
        return [LeaderboardGroup(template.id, template.name, None, rows, improvers(rows))], []
    by_key: dict[str, list[ScorecardRow]] = {}
    for row in current:
        if row.template is not None:
            by_key.setdefault(row.template, []).append(row)
    if own_template is not None:
        by_key = {own_template: by_key[own_template]} if own_template in by_key else {}
    groups = []
    for key in sorted(by_key):
        rows = _pair(by_key[key], before)
        first = by_key[key][0]
        groups.append(
            LeaderboardGroup(
                key, first.template_name, first.template_version, rows, improvers(rows)
            )
        )
    unassigned = [r for r in current if r.template is None] if own_template is None else []
    return groups, unassigned


def weekly_review(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> WeeklyReview:
    """Everything the weekly review shows for [start, end); usually a Monday–Monday week.

    Without `template` each agent is scored under their own template (`own_template`: only
    the agents of that one); with it, everyone under it (what-if)."""
    period_validate(start, end)
    mode_check(template, own_template)
    previous_start, previous_end = previous_period(start, end)
    weeks = trend_weeks(end)
    # Every KPI computation of the review (the period, the previous one, each trend week):
    # the stored figures while current, else computed and stored (metrics.stored).
    store = KpiStore(start=min(previous_start, weeks[0][0]), end=max(end, weeks[-1][1]))
    own = OwnTemplates()
    own_at_end = own.at(end)
    groups, without_template = leaderboard_groups(
        start=start, end=end, template=template, own_template=own_template, kpis=store.compute_kpis
    )
    by_sku, by_market = problem_distributions(start=start, end=end)
    scopes = sla_scopes(template=template, own=own_at_end, own_template=own_template)
    breaches, breach_count, targeted = sla_breaches(
        start=start, end=end, scopes=scopes, store=store
    )
    return WeeklyReview(
        start=start,
        end=end,
        previous_start=previous_start,
        previous_end=previous_end,
        template=template,
        own_template=own_template,
        weeks=weeks,
        team_trends=team_trends(
            weeks=weeks,
            template=template,
            own_template=own_template,
            own=own,
            store=store,
        ),
        groups=groups,
        without_template=without_template,
        by_sku=by_sku,
        by_market=by_market,
        breaches=breaches,
        breach_count=breach_count,
        first_replies_with_target=targeted,
        tickets_created=Ticket.objects.filter(created_at__gte=start, created_at__lt=end).count(),
        templates_in_use=sorted(
            {(a.key, a.name) for a in own_at_end.values()}, key=lambda pair: (pair[1], pair[0])
        ),
        own_templates={agent_id: a.key for agent_id, a in own_at_end.items()},
    )
