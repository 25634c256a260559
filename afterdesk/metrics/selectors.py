"""Reads of the metrics app: drill-down, template groups, leaderboards and segment views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.assignments import AssignedTemplate, TemplateResolver, version_in_force
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.kpis import US_PER_MINUTE, period_validate
from afterdesk.metrics.models import ReplyWait, ScorecardTemplateVersion, TicketFacts
from afterdesk.metrics.scorecards import ScorecardRow, scorecard_compute
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import TemplateSpec, template_parse
from afterdesk.tickets.events import RETURN_OUTCOMES_RETAINED
from afterdesk.tickets.models import Ticket, TicketEvent


def _period(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def kpi_tickets(
    *, kpi: str, agent: User, start: datetime, end: datetime, template: TemplateSpec
) -> QuerySet[Ticket]:
    """The tickets behind one agent's KPI figure (the drill-down of every scorecard cell).

    For `reply_time_business` each ticket carries `replies_behind`: its replies counted in the
    figure, oldest first, each with the inbound message it answers (`kpi_reply_waits`)."""
    if kpi not in KPI_IDS:
        raise ValidationError(f"unknown KPI {kpi!r}", field="kpi")
    period_validate(start, end)
    if kpi == "reply_time_business":
        waits = kpi_reply_waits(agent=agent, start=start, end=end)
        return (
            Ticket.objects.filter(pk__in=waits.values("ticket_id"))
            .prefetch_related(
                Prefetch(
                    "reply_waits",
                    queryset=waits.order_by("at", "reply_event_id"),
                    to_attr="replies_behind",
                )
            )
            .order_by("-updated_at")
        )
    facts = TicketFacts.objects.all()
    if kpi in ("first_reply_time", "first_reply_time_business", "sla_first_reply_rate"):
        facts = facts.filter(
            _period("first_reply_at", start, end),
            first_reply_agent=agent,
            first_reply_us__isnull=False,
        )
        if kpi == "sla_first_reply_rate":
            facts = facts.filter(ticket__priority__in=list(template.first_reply_target))
    elif kpi in (
        "resolution_time",
        "resolution_time_business",
        "resolution_time_index",
        "reopen_rate",
        "fcr_rate",
        "one_touch_rate",
    ):
        facts = facts.filter(_period("last_solve_at", start, end), solved=True, resolver=agent)
        if kpi in ("fcr_rate", "one_touch_rate"):
            facts = facts.filter(customer_initiated=True, agent_replies__gte=1)
    elif kpi in ("csat_rate", "csat_avg"):
        facts = facts.filter(_period("rating_at", start, end), rating_agent=agent)
    elif kpi == "return_retention_rate":
        facts = facts.filter(_period("return_at", start, end), return_agent=agent).exclude(
            return_outcome=""
        )
    else:
        kind = {
            "handled_volume": "message",
            "weighted_volume": "message",
            "escalation_rate": "message",
            "complaint_rate": "message",
            "qa_score": "qa_review",
        }[kpi]
        events = TicketEvent.objects.filter(_period("at", start, end), agent=agent, kind=kind)
        if kind == "message":
            events = events.filter(subtype="reply")
        return Ticket.objects.filter(pk__in=events.values("ticket_id")).order_by("-updated_at")
    return Ticket.objects.filter(pk__in=facts.values("ticket_id")).order_by("-updated_at")


def kpi_reply_waits(*, agent: User, start: datetime, end: datetime) -> QuerySet[ReplyWait]:
    """The replies behind one agent's `reply_time_business` figure (its n), newest first: each
    reply dated in [start, end) that answers a waiting buyer message, with that message
    (`inbound_event`, `waiting_since`) and the wait in business µs."""
    period_validate(start, end)
    return ReplyWait.objects.filter(_period("at", start, end), agent=agent).order_by(
        "-at", "-reply_event_id"
    )


@dataclass(frozen=True)
class LeaderboardRow:
    row: ScorecardRow
    previous_total: Fraction | None
    previous_rank: int | None
    # The template that scored the agent in the previous period (own templates: the one in
    # force then; it may differ from `row.template` after a change of position).
    previous_template: str | None = None

    @property
    def trend(self) -> Fraction | None:
        """The change of the total; none when either is missing or another template scored
        the previous period (scores of two templates do not compare)."""
        if self.row.total is None or self.previous_total is None:
            return None
        if self.previous_template != self.row.template:
            return None
        return self.row.total - self.previous_total


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start - (end - start), start


# ------------- template groups (docs/metrics.md, "Positions and templates"): ranks compare the
# agents of one template only

OWN, WHAT_IF = "own", "what_if"


@dataclass(frozen=True)
class TemplateGroup:
    """A template that scores at least one person at a period's end, with the version in
    force then: a leaderboard or scorecard section ranks within one group only."""

    key: str
    name: str
    version: ScorecardTemplateVersion
    spec: TemplateSpec
    people: int  # how many users it scores at the period's end (with data or not)
    yours: bool = False  # the viewer's own template


@dataclass(frozen=True)
class TemplateGroups:
    """The groups in use (the viewer's own first, then by key) and the viewer's template."""

    groups: list[TemplateGroup]
    yours: AssignedTemplate | None

    def get(self, key: str) -> TemplateGroup | None:
        return next((group for group in self.groups if group.key == key), None)

    @property
    def default(self) -> TemplateGroup | None:
        """The viewer's own group, else the first in use."""
        return self.groups[0] if self.groups else None


def template_groups(*, end: datetime, viewer: User | None = None) -> TemplateGroups:
    """Every template in force for at least one user at `end` (three queries: assignments,
    versions and users, whatever their number)."""
    resolver = TemplateResolver()
    found: dict[str, tuple[AssignedTemplate, int]] = {}
    yours: AssignedTemplate | None = None
    for user_id, position in User.objects.values_list("pk", "position").order_by():
        assigned = resolver.for_agent(agent_id=user_id, position=position, end=end)
        if assigned is None:
            continue
        if viewer is not None and user_id == viewer.pk:
            yours = assigned
        known = found.get(assigned.key)
        found[assigned.key] = (known[0] if known else assigned, (known[1] if known else 0) + 1)
    groups = [
        TemplateGroup(
            key=key,
            name=assigned.name,
            version=assigned.version,
            spec=assigned.spec,
            people=people,
            yours=yours is not None and yours.key == key,
        )
        for key, (assigned, people) in found.items()
    ]
    groups.sort(key=lambda group: (not group.yours, group.key))
    return TemplateGroups(groups, yours)


def template_in_force(*, key: str, end: datetime) -> ScorecardTemplateVersion:
    """The version of a stored template in force at `end` (NotFound when unknown)."""
    versions = list(
        ScorecardTemplateVersion.objects.filter(template__key=key).select_related("template")
    )
    if not versions:
        raise NotFound(f"no scorecard template {key!r}")
    return version_in_force(versions, end)


@dataclass(frozen=True)
class Scoring:
    """What a scorecard or leaderboard shows: one template group of the own templates (or,
    with `group` None, every group), or everyone under one template (what-if)."""

    mode: str  # OWN or WHAT_IF
    groups: TemplateGroups
    group: str | None  # the group shown (own templates); None: every group, or none in use
    # The group's version in force at the period's end, or the what-if template's latest.
    version: ScorecardTemplateVersion | None
    spec: TemplateSpec | None

    @property
    def what_if(self) -> TemplateSpec | None:
        return self.spec if self.mode == WHAT_IF else None


def scoring_choose(
    *,
    end: datetime,
    viewer: User | None,
    template: str | None = None,
    own_template: str | None = None,
    one_group: bool = True,
) -> Scoring:
    """`template` = everyone under it (what-if); else the group `own_template`, by default
    (with `one_group`) the viewer's own template in force at `end`, else the first group in
    use; without `one_group`, every group. Unknown templates are NotFound."""
    groups = template_groups(end=end, viewer=viewer)
    if template:
        version = template_version_latest(key=template)  # the what-if's
        return Scoring(WHAT_IF, groups, None, version, template_parse(version.definition))
    if not own_template and one_group and groups.default is not None:
        own_template = groups.default.key
    if not own_template:
        return Scoring(OWN, groups, None, None, None)
    group = groups.get(own_template)
    if group is not None:
        return Scoring(OWN, groups, own_template, group.version, group.spec)
    version = template_in_force(key=own_template, end=end)  # in use by nobody: empty
    return Scoring(OWN, groups, own_template, version, template_parse(version.definition))


def _own_rows(
    start: datetime, end: datetime, own_template: str | None
) -> tuple[list[ScorecardRow], list[ScorecardRow]]:
    """Own templates: the scored rows of one group (or of every group) and the previous
    period's rows of everyone with a template then (each ranked within their group)."""
    now = [
        row
        for row in scorecard_compute(start=start, end=end)
        if row.template is not None and own_template in (None, row.template)
    ]
    prev_start, prev_end = previous_period(start, end)
    before = [
        row for row in scorecard_compute(start=prev_start, end=prev_end) if row.template is not None
    ]
    return now, before


def _board_rows(
    start: datetime, end: datetime, template: TemplateSpec | None, own_template: str | None
) -> tuple[list[ScorecardRow], list[ScorecardRow]]:
    if template is not None:
        now = scorecard_compute(start=start, end=end, template=template)
        prev_start, prev_end = previous_period(start, end)
        return now, scorecard_compute(start=prev_start, end=prev_end, template=template)
    return _own_rows(start, end, own_template)


def _individual(now: list[ScorecardRow], before: list[ScorecardRow]) -> list[LeaderboardRow]:
    previous = {row.agent_id: row for row in before}
    result = []
    for row in now:
        then = previous.get(row.agent_id)
        result.append(
            LeaderboardRow(
                row,
                then.total if then else None,
                then.rank if then else None,
                then.template if then else None,
            )
        )
    return result


def leaderboard(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> list[LeaderboardRow]:
    """Individual leaderboard with the change against the previous period of equal length.

    With `template`, everyone under it (the what-if view). Without, each agent under their own
    template (docs/metrics.md, "Positions and templates"): the agents of the group
    `own_template` (of every group when None, each ranked within its own), with their rank and
    total of the previous period under the template that scored them then. Agents without a
    template are never on a leaderboard."""
    return _individual(*_board_rows(start, end, template, own_template))


@dataclass(frozen=True)
class TeamRow:
    team: str
    agents: int
    total: Fraction | None  # mean of its scored members' totals
    previous_total: Fraction | None
    rank: int | None


def _teams(now: list[ScorecardRow], before: list[ScorecardRow], group: str | None) -> list[TeamRow]:
    memberships: dict[int, list[str]] = defaultdict(list)
    for user_id, name in Team.members.through.objects.values_list("user_id", "team__name"):
        memberships[user_id].append(name)

    def by_team(rows: list[ScorecardRow]) -> dict[str, list[Fraction]]:
        totals: dict[str, list[Fraction]] = defaultdict(list)
        for row in rows:
            if group is not None and row.template != group:
                continue
            for team in memberships.get(row.agent_id, []):
                if row.total is not None:
                    totals[team].append(row.total)
        return totals

    current, previous = by_team(now), by_team(before)
    teams = sorted(current, key=lambda t: (-sum(current[t]) / len(current[t]), t))
    result = []
    rank, previous_total = 0, None
    for position, team in enumerate(teams, start=1):
        total = sum(current[team], Fraction(0)) / len(current[team])
        if total != previous_total:
            rank, previous_total = position, total
        prev = previous.get(team)
        result.append(
            TeamRow(
                team,
                len(current[team]),
                total,
                sum(prev, Fraction(0)) / len(prev) if prev else None,
                rank,
            )
        )
    return result


def team_leaderboard(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> list[TeamRow]:
    """Teams ranked by the mean total of their scored agents (an agent counts for each team
    they belong to). With `template`, everyone under it; else only the members whose own
    template is `own_template`, in both periods: templates are never mixed."""
    if template is None and own_template is None:
        raise ValidationError("a team leaderboard ranks one template group", field="own_template")
    now, before = _board_rows(start, end, template, own_template)
    return _teams(now, before, None if template is not None else own_template)


@dataclass(frozen=True)
class Boards:
    """The leaderboard page: one template group (or a what-if template), both boards."""

    individual: list[LeaderboardRow]
    teams: list[TeamRow]


def leaderboards(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> Boards:
    """`leaderboard` and `team_leaderboard` of one group from one computation of each period."""
    if template is None and own_template is None:
        raise ValidationError("a leaderboard ranks one template group", field="own_template")
    now, before = _board_rows(start, end, template, own_template)
    group = None if template is not None else own_template
    return Boards(_individual(now, before), _teams(now, before, group))


@dataclass(frozen=True)
class ScorecardSection:
    """The rows of one template group (or of the what-if template), ranked within it."""

    key: str
    name: str
    version: ScorecardTemplateVersion
    spec: TemplateSpec
    rows: list[ScorecardRow]
    yours: bool = False


@dataclass(frozen=True)
class ScorecardView:
    sections: list[ScorecardSection]
    unassigned: list[ScorecardRow]  # agents without a template: figures, no score, no rank


def scorecard_view(*, start: datetime, end: datetime, scoring: Scoring) -> ScorecardView:
    """The scorecard page: a section per template group in the groups' order (the viewer's
    own first), then the agents without a template; or the what-if template's one section."""
    if scoring.what_if is not None and scoring.version is not None:
        rows = scorecard_compute(start=start, end=end, template=scoring.what_if)
        version = scoring.version
        section = ScorecardSection(
            version.template.key, version.template.name, version, scoring.what_if, rows
        )
        return ScorecardView([section], [])
    rows = scorecard_compute(start=start, end=end)
    by_group: dict[str, list[ScorecardRow]] = defaultdict(list)
    for row in rows:
        if row.template is not None:
            by_group[row.template].append(row)
    order = [group.key for group in scoring.groups.groups]
    order += sorted(set(by_group) - set(order))  # changed between the two reads
    if scoring.group is not None:
        order = [scoring.group]
    sections = []
    for key in order:
        rows_of = by_group.get(key, [])
        if scoring.group is None and not rows_of:
            continue  # every group: those with data
        group = scoring.groups.get(key)
        if group is not None:
            version, spec = group.version, group.spec
        elif key == scoring.group and scoring.version is not None and scoring.spec is not None:
            version, spec = scoring.version, scoring.spec
        else:
            version = template_in_force(key=key, end=end)
            spec = template_parse(version.definition)
        yours = group is not None and group.yours
        sections.append(ScorecardSection(key, version.template.name, version, spec, rows_of, yours))
    unassigned = [row for row in rows if row.template is None] if scoring.group is None else []
    return ScorecardView(sections, unassigned)


SEGMENT_DIMENSIONS = {
    "language": "ticket__language",
    "market": "ticket__market",
    "platform": "ticket__platform",
    "channel": "ticket__channel",
    "category": "ticket__category",
    "shift": "resolver__profile__shift",
}


def segment_view(*, dimension: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Solved-ticket figures per segment value, with the previous period beside them."""
    if dimension not in SEGMENT_DIMENSIONS:
        raise ValidationError(
            f"dimension must be one of {', '.join(SEGMENT_DIMENSIONS)}", field="dimension"
        )
    period_validate(start, end)
    now = _segment_figures(SEGMENT_DIMENSIONS[dimension], start, end)
    before = _segment_figures(SEGMENT_DIMENSIONS[dimension], *previous_period(start, end))
    return [
        {"segment": key, **figures, "previous": before.get(key)}
        for key, figures in sorted(now.items(), key=lambda item: -item[1]["solved"])
    ]


def _segment_figures(field: str, start: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    rows = (
        TicketFacts.objects.filter(_period("last_solve_at", start, end), solved=True)
        .values(field)
        .annotate(
            solved=Count("pk"),
            business=Sum("resolution_business_us"),
            reopened=Count("pk", filter=Q(reopens__gte=1)),
            rated=Count("pk", filter=Q(rating__isnull=False)),
            good=Count("pk", filter=Q(rating__gte=4)),
            returns=Count("pk", filter=~Q(return_outcome="")),
            retained=Count("pk", filter=Q(return_outcome__in=sorted(RETURN_OUTCOMES_RETAINED))),
        )
        .order_by()
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        n = row["solved"]
        out[row[field] or ""] = {
            "solved": n,
            "resolution_time_business": float(Fraction(row["business"] or 0, n * US_PER_MINUTE)),
            "reopen_rate": row["reopened"] / n,
            "csat_rate": row["good"] / row["rated"] if row["rated"] else None,
            "csat_n": row["rated"],
            "return_retention_rate": row["retained"] / row["returns"] if row["returns"] else None,
        }
    return out


def weekly_start(moment: datetime) -> datetime:
    """Monday 00:00 of the moment's week, in the moment's own offset."""
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


PERIOD_KINDS = ("week", "month")


def period_bounds(*, kind: str, containing: datetime) -> tuple[datetime, datetime]:
    """The calendar week (Monday–Monday) or month containing a moment, in its offset/zone."""
    if kind == "week":
        start = weekly_start(containing)
        return start, start + timedelta(days=7)
    if kind == "month":
        start = containing.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end
    raise ValidationError(f"period must be one of {', '.join(PERIOD_KINDS)}", field="period")
