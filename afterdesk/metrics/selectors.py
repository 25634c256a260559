"""Reads of the metrics app: drill-down, leaderboards and segment views."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.kpis import US_PER_MINUTE, period_validate
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.scorecards import ScorecardRow, scorecard_compute
from afterdesk.metrics.templates import TemplateSpec
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

    @property
    def trend(self) -> Fraction | None:
        if self.row.total is None or self.previous_total is None:
            return None
        return self.row.total - self.previous_total


def previous_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    return start - (end - start), start


def leaderboard(*, start: datetime, end: datetime, template: TemplateSpec) -> list[LeaderboardRow]:
    """Individual leaderboard with the change against the previous period of equal length."""
    current = scorecard_compute(start=start, end=end, template=template)
    before = {r.agent_id: r for r in scorecard_compute(**_previous(start, end), template=template)}
    return [
        LeaderboardRow(
            row,
            before[row.agent_id].total if row.agent_id in before else None,
            before[row.agent_id].rank if row.agent_id in before else None,
        )
        for row in current
    ]


def _previous(start: datetime, end: datetime) -> dict[str, datetime]:
    prev_start, prev_end = previous_period(start, end)
    return {"start": prev_start, "end": prev_end}


@dataclass(frozen=True)
class TeamRow:
    team: str
    agents: int
    total: Fraction | None  # mean of its scored members' totals
    previous_total: Fraction | None
    rank: int | None


def team_leaderboard(*, start: datetime, end: datetime, template: TemplateSpec) -> list[TeamRow]:
    """Teams ranked by the mean total of their scored agents (an agent counts for each team
    they belong to)."""
    memberships: dict[int, list[str]] = defaultdict(list)
    for user_id, name in Team.members.through.objects.values_list("user_id", "team__name"):
        memberships[user_id].append(name)

    def by_team(rows: list[ScorecardRow]) -> dict[str, list[Fraction]]:
        totals: dict[str, list[Fraction]] = defaultdict(list)
        for row in rows:
            for team in memberships.get(row.agent_id, []):
                if row.total is not None:
                    totals[team].append(row.total)
        return totals

    now = by_team(scorecard_compute(start=start, end=end, template=template))
    before = by_team(scorecard_compute(**_previous(start, end), template=template))
    teams = sorted(now, key=lambda t: (-sum(now[t]) / len(now[t]), t))
    result = []
    rank, previous_total = 0, None
    for position, team in enumerate(teams, start=1):
        total = sum(now[team], Fraction(0)) / len(now[team])
        if total != previous_total:
            rank, previous_total = position, total
        prev = before.get(team)
        result.append(
            TeamRow(
                team,
                len(now[team]),
                total,
                sum(prev, Fraction(0)) / len(prev) if prev else None,
                rank,
            )
        )
    return result


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
