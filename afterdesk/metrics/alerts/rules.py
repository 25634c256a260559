"""What each alert kind looks at (reads only): drafts of the alerts the current figures call
for. The sweep (services.alerts_sweep) stores the drafts it has not stored before.

Every figure comes from the metrics core: handling time from `TicketFacts` (METRICS.md §3,
full resolution time), the weekly rates from `compute_kpis` (§4). Comparisons use exact
fractions, so a change exactly at a threshold never alerts ("more than" the threshold).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.metrics.kpis import KpiValue, compute_kpis
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.selectors import period_bounds, previous_period
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import TemplateSpec, default_template, template_parse
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

from .models import AlertKind, AlertSettings, Severity

US_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class AlertDraft:
    """An alert before it is stored; `dedupe_key` decides whether it is new."""

    kind: str
    severity: str
    dedupe_key: str
    message: str
    figures: dict[str, Any] = field(default_factory=dict)
    ticket_id: int | None = None
    agent_id: int | None = None
    team_id: int | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None


def _fraction(value: Decimal) -> Fraction:
    return Fraction(str(value))


def duration_text(us: int | Fraction) -> str:
    """`2 d 4 h 05 min` (minutes rounded down; under a minute: `0 min`)."""
    minutes = int(us // (60 * US_PER_SECOND))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h {mins:02d} min"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


# ------------------------------------------------------------------ long-open conversations


def team_handling_baselines(*, now: datetime, window_days: int) -> dict[int, tuple[int, int]]:
    """team id → (solved tickets, sum of their elapsed full-resolution µs) for the team's
    tickets whose last solve falls in [now − window, now). No solved ticket, no entry."""
    rows = (
        TicketFacts.objects.filter(
            solved=True,
            resolution_us__isnull=False,
            last_solve_at__gte=now - timedelta(days=window_days),
            last_solve_at__lt=now,
            ticket__team__isnull=False,
        )
        .values("ticket__team")
        .annotate(n=Count("pk"), total=Sum("resolution_us"))
        .order_by()
    )
    return {row["ticket__team"]: (row["n"], row["total"]) for row in rows}


def long_open_drafts(*, now: datetime, config: AlertSettings) -> list[AlertDraft]:
    """Open tickets (not solved/closed) open for more than factor × their team's mean handling
    time. One alert per ticket and open spell: a reopened ticket may alert again."""
    factor = _fraction(config.long_open_factor)
    baselines = team_handling_baselines(now=now, window_days=config.long_open_window_days)
    teams = Team.objects.in_bulk(list(baselines))
    drafts: list[AlertDraft] = []
    for team_id, (n, total_us) in sorted(baselines.items()):
        mean_us = Fraction(total_us, n)
        limit_us = factor * mean_us
        # open µs (an integer) > limit ⟺ open µs > floor(limit) ⟺ created < now − floor(limit)
        cutoff = now - timedelta(microseconds=math.floor(limit_us))
        tickets = (
            Ticket.objects.filter(team_id=team_id, created_at__lt=cutoff)
            .exclude(status__in=SOLVED_STATUSES)
            .values("pk", "subject", "created_at", "status", "facts__reopens")
            .order_by("created_at", "pk")
        )
        team = teams[team_id]
        for ticket in tickets:
            open_us = (now - ticket["created_at"]) // timedelta(microseconds=1)
            spell = ticket["facts__reopens"] or 0
            severity = Severity.CRITICAL if open_us > 2 * limit_us else Severity.WARNING
            message = (
                f"Ticket #{ticket['pk']} “{ticket['subject']}” (team {team.name}, status "
                f"{ticket['status']}) has been open {duration_text(open_us)}, more than "
                f"{factor}× the team's average handling time of {duration_text(mean_us)} "
                f"({n} tickets solved in the last {config.long_open_window_days} days; "
                f"limit {duration_text(limit_us)})."
            )
            drafts.append(
                AlertDraft(
                    kind=AlertKind.LONG_OPEN,
                    severity=severity,
                    dedupe_key=f"long_open:ticket:{ticket['pk']}:spell:{spell}",
                    message=message,
                    figures={
                        "open_minutes": open_us / 60e6,
                        "team_mean_minutes": float(mean_us / 60_000_000),
                        "limit_minutes": float(limit_us / 60_000_000),
                        "factor": float(factor),
                        "solved_in_window": n,
                        "window_days": config.long_open_window_days,
                    },
                    ticket_id=ticket["pk"],
                    team_id=team_id,
                )
            )
    return drafts


# ------------------------------------------------------------------ week-over-week rates


@dataclass(frozen=True)
class RateRule:
    kpi: str
    kind: str
    rising_is_bad: bool  # complaint/reopen rates alert on a rise, SLA compliance on a drop
    setting: str  # the AlertSettings field holding the threshold
    share: bool  # a share in [0, 1], shown as a percentage (complaint_rate is per ticket)


RATE_RULES = (
    RateRule("complaint_rate", AlertKind.COMPLAINT_RATE_JUMP, True, "complaint_rate_rise", False),
    RateRule("reopen_rate", AlertKind.REOPEN_RATE_JUMP, True, "reopen_rate_rise", True),
    RateRule("sla_first_reply_rate", AlertKind.SLA_DROP, False, "sla_drop", True),
)

Week = tuple[datetime, datetime]
Pooled = dict[str, KpiValue]


def alert_template(*, config: AlertSettings) -> TemplateSpec:
    """The template whose first-reply targets define SLA compliance (§4)."""
    if not config.template_key:
        return default_template()
    return template_parse(template_version_latest(key=config.template_key).definition)


def weeks_to_check(*, now: datetime) -> list[tuple[Week, Week]]:
    """(week, the week before) for the current week and the last complete one, in the desk's
    time zone. Checking the last complete week too lets a sweep after downtime catch up."""
    current = period_bounds(kind="week", containing=timezone.localtime(now))
    last = previous_period(*current)
    return [(current, last), (last, previous_period(*last))]


def _pool(values: Iterable[KpiValue]) -> KpiValue:
    """A team's figure from its members': Σ(value × n) ÷ Σn — for these three KPIs value × n is
    the exact count behind the rate (complaints, reopened tickets, replies within target)."""
    numerator, n = Fraction(0), 0
    for value in values:
        if value.value is not None and value.n > 0:
            numerator += value.value * value.n
            n += value.n
    return KpiValue(numerator / n if n else None, n)


def _team_figures(by_agent: dict[int, dict[str, KpiValue]]) -> dict[int, Pooled]:
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in Team.members.through.objects.values_list("user_id", "team_id"):
        members[team_id].append(user_id)
    return {
        team_id: {
            rule.kpi: _pool(by_agent[u][rule.kpi] for u in users if u in by_agent)
            for rule in RATE_RULES
        }
        for team_id, users in members.items()
    }


def _show(rule: RateRule, value: Fraction) -> str:
    if rule.share:
        return f"{float(value) * 100:.1f}%"
    return f"{float(value):.3f} per handled ticket"


def _show_change(rule: RateRule, value: Fraction) -> str:
    if rule.share:
        return f"{float(value) * 100:.1f} points"
    return f"{float(value):.3f}"


def _rate_draft(
    *,
    rule: RateRule,
    config: AlertSettings,
    subject: str,
    subject_key: str,
    now_value: KpiValue,
    before: KpiValue,
    week: Week,
    week_before: Week,
) -> AlertDraft | None:
    if now_value.value is None or before.value is None:
        return None
    if now_value.n < config.min_n or before.n < config.min_n:
        return None
    threshold = _fraction(getattr(config, rule.setting))
    change = now_value.value - before.value
    worse_by = change if rule.rising_is_bad else -change
    if worse_by <= threshold:
        return None
    severity = Severity.CRITICAL if worse_by > 2 * threshold else Severity.WARNING
    verb = "rose" if rule.rising_is_bad else "fell"
    start_day = week[0].date().isoformat()
    message = (
        f"{rule.kpi} of {subject} {verb} from {_show(rule, before.value)} (n={before.n}, week of "
        f"{week_before[0].date().isoformat()}) to {_show(rule, now_value.value)} "
        f"(n={now_value.n}, week of {start_day}): {_show_change(rule, worse_by)} "
        f"{'up' if rule.rising_is_bad else 'down'}, threshold {_show_change(rule, threshold)}."
    )
    start_utc = week[0].astimezone(UTC).isoformat()
    return AlertDraft(
        kind=rule.kind,
        severity=severity,
        dedupe_key=f"{rule.kind}:{subject_key}:{start_utc}",
        message=message,
        figures={
            "kpi": rule.kpi,
            "value": float(now_value.value),
            "n": now_value.n,
            "previous_value": float(before.value),
            "previous_n": before.n,
            "change": float(change),
            "threshold": float(threshold),
            "previous_period_start": week_before[0].isoformat(),
            "previous_period_end": week_before[1].isoformat(),
        },
        period_start=week[0],
        period_end=week[1],
    )


def rate_drafts(*, now: datetime, config: AlertSettings) -> list[AlertDraft]:
    """Complaint/reopen rate rises and SLA compliance drops, per agent and per team."""
    template = alert_template(config=config)
    kpis: dict[Week, dict[int, dict[str, KpiValue]]] = {}

    def figures(week: Week) -> dict[int, dict[str, KpiValue]]:
        if week not in kpis:
            kpis[week] = compute_kpis(start=week[0], end=week[1], template=template)
        return kpis[week]

    drafts: list[AlertDraft] = []
    empty = KpiValue(None, 0)
    for week, week_before in weeks_to_check(now=now):
        now_agents, before_agents = figures(week), figures(week_before)
        now_teams, before_teams = _team_figures(now_agents), _team_figures(before_agents)
        users = User.objects.in_bulk(sorted(set(now_agents) & set(before_agents)))
        teams = Team.objects.in_bulk(sorted(set(now_teams) & set(before_teams)))
        for rule in RATE_RULES:
            for agent_id, user in users.items():
                draft = _rate_draft(
                    rule=rule,
                    config=config,
                    subject=f"agent {user.username}",
                    subject_key=f"agent:{agent_id}",
                    now_value=now_agents[agent_id][rule.kpi],
                    before=before_agents[agent_id][rule.kpi],
                    week=week,
                    week_before=week_before,
                )
                if draft is not None:
                    drafts.append(replace(draft, agent_id=agent_id))
            for team_id, team in teams.items():
                draft = _rate_draft(
                    rule=rule,
                    config=config,
                    subject=f"team {team.name}",
                    subject_key=f"team:{team_id}",
                    now_value=now_teams[team_id].get(rule.kpi, empty),
                    before=before_teams[team_id].get(rule.kpi, empty),
                    week=week,
                    week_before=week_before,
                )
                if draft is not None:
                    drafts.append(replace(draft, team_id=team_id))
    return drafts
