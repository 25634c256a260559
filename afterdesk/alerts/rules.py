"""What each alert kind looks at (reads only): drafts of the alerts the current figures call
for. The sweep (services.alerts_sweep) stores the drafts it has not stored before.

Every figure comes from the metrics core (docs/metrics.md, "Where the figures come from"):
handling time from the per-ticket facts (`TicketFacts`, full resolution time), the weekly rates
and the escalation rate from `compute_kpis`. Comparisons use exact fractions, so a figure
exactly at a threshold never alerts ("more than" the threshold).
"""

from __future__ import annotations

import math
import statistics
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
from afterdesk.metrics.assignments import agent_templates
from afterdesk.metrics.kpis import KpiValue, compute_kpis
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.selectors import period_bounds, previous_period
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import TemplateSpec, default_template, template_parse
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

from .models import Alert, AlertKind, AlertSettings, Severity

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
    """The template whose first-reply targets define SLA compliance."""
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


# ------------------------------------------------------------------ escalation rate

# A median needs at least this many peers with a rate (besides the one compared): with fewer,
# only the threshold applies.
MIN_PEERS = 2


@dataclass(frozen=True)
class Escalations:
    """Escalations and handled tickets of an agent or team in the window (escalation_rate =
    escalations ÷ handled_volume; docs/metrics.md, "Attribution at a glance")."""

    escalations: int
    handled: int

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.escalations, self.handled) if self.handled else None


@dataclass(frozen=True)
class PeerGroup:
    """Whom a rate is compared with: the label for the message and their rates."""

    label: str  # "agents on template first_line", "teams"
    rates: list[Fraction]


Window = tuple[datetime, datetime]


def escalation_window(*, now: datetime, days: int) -> Window:
    """The last `days` complete days before `now`'s day in the desk's time zone, so every
    sweep of one day looks at the same window (and stores at most one alert per subject)."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days), today


def _escalations(value: KpiValue) -> Escalations:
    """For escalation_rate value × n is the exact count of escalations (n = handled tickets);
    no handled ticket means no rate, and nothing to count."""
    if value.value is None or value.n == 0:
        return Escalations(0, 0)
    escalations = value.value * value.n
    return Escalations(int(escalations), value.n)


def _median(rates: list[Fraction]) -> Fraction | None:
    return statistics.median(rates) if len(rates) >= MIN_PEERS else None


def _rate_text(value: Fraction) -> str:
    return f"{float(value):.3f}"


def _escalation_draft(
    *,
    kind: str,
    config: AlertSettings,
    subject: str,
    subject_key: str,
    counts: Escalations,
    peers: PeerGroup | None,
    window: Window,
    extra: dict[str, Any],
) -> AlertDraft | None:
    """An alert when the rate is more than the threshold or more than k × the peers' median
    (each off at 0); None below the minimum sample. `peers.rates` excludes the subject."""
    rate = counts.rate
    if rate is None or counts.handled < config.escalation_min_handled:
        return None
    threshold = _fraction(config.escalation_rate_max)
    factor = _fraction(config.escalation_peer_factor)
    peer_rates = peers.rates if peers is not None else []
    median = _median(peer_rates) if factor > 0 else None
    # A median of 0 (the peers never escalate) would make every escalation "more than k × 0":
    # no peer comparison then, the threshold still applies.
    peer_limit = factor * median if median else None
    above_threshold = threshold > 0 and rate > threshold
    above_peers = peer_limit is not None and rate > peer_limit
    if not (above_threshold or above_peers):
        return None
    reasons: list[str] = []
    limits: list[Fraction] = []
    if above_threshold:
        reasons.append(f"more than the threshold {_rate_text(threshold)}")
        limits.append(threshold)
    if above_peers and peers is not None and median is not None and peer_limit is not None:
        reasons.append(
            f"more than {float(factor):g}× the median {_rate_text(median)} of "
            f"{len(peer_rates)} other {peers.label}"
        )
        limits.append(peer_limit)
    severity = Severity.CRITICAL if any(rate > 2 * limit for limit in limits) else Severity.WARNING
    first_day = timezone.localtime(window[0]).date().isoformat()
    last_day = (timezone.localtime(window[1]) - timedelta(days=1)).date().isoformat()
    message = (
        f"escalation_rate of {subject} was {_rate_text(rate)} per handled ticket "
        f"({counts.escalations} escalations, {counts.handled} handled tickets, "
        f"{first_day} to {last_day}): {' and '.join(reasons)}."
    )
    return AlertDraft(
        kind=kind,
        severity=severity,
        dedupe_key=f"{kind}:{subject_key}:{window[1].astimezone(UTC).isoformat()}",
        message=message,
        figures={
            "kpi": "escalation_rate",
            "value": float(rate),
            "escalations": counts.escalations,
            "handled": counts.handled,
            "threshold": float(threshold) if threshold > 0 else None,
            "factor": float(factor) if factor > 0 else None,
            "peer_median": float(median) if median is not None else None,
            "peer_limit": float(peer_limit) if peer_limit is not None else None,
            "peers": len(peer_rates),
            "above_threshold": above_threshold,
            "above_peers": above_peers,
            "min_handled": config.escalation_min_handled,
            "window_days": config.escalation_window_days,
            **extra,
        },
        period_start=window[0],
        period_end=window[1],
    )


def _peer_rates(
    counts: dict[int, Escalations], members: Iterable[int], minimum: int
) -> dict[int, Fraction]:
    """The rates of those with at least `minimum` handled tickets: a sample too small to alert
    on is too small to set the norm."""
    return {
        key: rate
        for key in members
        if (rate := counts[key].rate) is not None and counts[key].handled >= minimum
    }


def _others(rates: dict[int, Fraction], key: int) -> list[Fraction]:
    return [rate for other, rate in rates.items() if other != key]


def _team_escalations(
    agents: dict[int, Escalations],
) -> tuple[dict[int, Escalations], dict[int, int]]:
    """team id → its members' escalations and handled tickets summed (an agent in two teams
    counts for both), and how many members handled tickets. Teams without any: no entry."""
    sums: dict[int, tuple[int, int, int]] = {}
    for user_id, team_id in Team.members.through.objects.values_list("user_id", "team_id"):
        counts = agents.get(user_id)
        if counts is None:
            continue
        escalations, handled, members = sums.get(team_id, (0, 0, 0))
        sums[team_id] = (escalations + counts.escalations, handled + counts.handled, members + 1)
    return (
        {team_id: Escalations(e, h) for team_id, (e, h, _m) in sums.items()},
        {team_id: m for team_id, (_e, _h, m) in sums.items()},
    )


def _recently_alerted(*, kinds: Iterable[str], since: datetime) -> set[tuple[str, int | None]]:
    """(kind, agent or team id) of the alerts whose window ends after `since`: while the
    window of an alert overlaps the current one, the same escalations would raise it again."""
    rows = Alert.objects.filter(kind__in=list(kinds), period_end__gt=since).values_list(
        "kind", "agent_id", "team_id"
    )
    return {(kind, agent if agent is not None else team) for kind, agent, team in rows}


def escalation_drafts(*, now: datetime, config: AlertSettings) -> list[AlertDraft]:
    """Agents and teams whose escalation rate over the window is more than the threshold or
    more than k × their peers' median: an agent's peers are the agents scored under the same
    template (docs/metrics.md, "Positions and templates"), a team's the other teams."""
    if config.escalation_rate_max <= 0 and config.escalation_peer_factor <= 0:
        return []
    window = escalation_window(now=now, days=config.escalation_window_days)
    # escalation_rate has no template parameters: the default template is as good as any.
    kpis = compute_kpis(start=window[0], end=window[1], template=default_template())
    agents = {
        agent_id: counts
        for agent_id, values in kpis.items()
        if (counts := _escalations(values["escalation_rate"])).handled
    }
    teams, members = _team_escalations(agents)
    recent = _recently_alerted(
        kinds=(AlertKind.ESCALATION_RATE_HIGH, AlertKind.TEAM_ESCALATION_RATE_HIGH),
        since=window[0],
    )
    minimum = config.escalation_min_handled
    drafts: list[AlertDraft] = []

    templates = agent_templates(agent_ids=sorted(agents), end=window[1])
    groups: dict[str, list[int]] = defaultdict(list)
    for agent_id, assigned in templates.items():
        if assigned is not None:
            groups[assigned.key].append(agent_id)
    group_rates = {key: _peer_rates(agents, ids, minimum) for key, ids in groups.items()}
    users = User.objects.in_bulk(sorted(agents))
    for agent_id, user in users.items():
        if (AlertKind.ESCALATION_RATE_HIGH, agent_id) in recent:
            continue
        assigned = templates.get(agent_id)
        peers = (
            PeerGroup(
                f"agents on template {assigned.key}",
                _others(group_rates[assigned.key], agent_id),
            )
            if assigned is not None
            else None
        )
        draft = _escalation_draft(
            kind=AlertKind.ESCALATION_RATE_HIGH,
            config=config,
            subject=f"agent {user.username}",
            subject_key=f"agent:{agent_id}",
            counts=agents[agent_id],
            peers=peers,
            window=window,
            extra={
                "template": assigned.key if assigned is not None else None,
                "template_name": assigned.name if assigned is not None else None,
            },
        )
        if draft is not None:
            drafts.append(replace(draft, agent_id=agent_id))

    team_rates = _peer_rates(teams, teams, minimum)
    for team_id, team in Team.objects.in_bulk(sorted(teams)).items():
        if (AlertKind.TEAM_ESCALATION_RATE_HIGH, team_id) in recent:
            continue
        draft = _escalation_draft(
            kind=AlertKind.TEAM_ESCALATION_RATE_HIGH,
            config=config,
            subject=f"team {team.name}",
            subject_key=f"team:{team_id}",
            counts=teams[team_id],
            peers=PeerGroup("teams", _others(team_rates, team_id)),
            window=window,
            extra={"members": members[team_id]},
        )
        if draft is not None:
            drafts.append(replace(draft, team_id=team_id))
    return drafts
