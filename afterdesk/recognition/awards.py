"""The monthly awards (docs/recognition.md, "The awards"): who wins each, from the metrics
core's own figures (`metrics.kpis.compute_kpis`, `metrics.scorecards.scorecard_compute`), with
exact fractions, a minimum volume so a tiny sample never wins, and ties broken the same way
every time (by the figures, then by username).

Pure reads: `awards_compute` decides, `services.awards_store` writes."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q

from afterdesk.accounts.models import User
from afterdesk.metrics.kpis import AgentKpis, compute_kpis
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.scorecards import ScorecardRow, scorecard_compute
from afterdesk.metrics.templates import default_template
from afterdesk.recognition.models import AwardKind
from afterdesk.recognition.months import month_bounds, month_previous
from afterdesk.tickets.models import Category, Priority

# The rules of each award (docs/recognition.md): small on purpose, named so the explanation
# can quote them.
IMPROVED_MIN_HANDLED = 10  # handled tickets in each of the two months
CSAT_MIN_RATINGS = 10
FIRST_REPLY_MIN = 10  # first replies in the month
FIRST_REPLY_GATE_CSAT = Fraction(4, 5)  # csat_rate ≥ 80 %…
FIRST_REPLY_GATE_RATINGS = 5  # …over at least this many ratings
FIRST_REPLY_GATE_QA = Fraction(80)  # qa_score ≥ 80 when the agent was reviewed
TOUGH_MIN = 3  # tough tickets solved
TOUGH_PRIORITIES = (Priority.HIGH.value, Priority.URGENT.value)
US_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    username: str
    order: tuple[Any, ...]  # smaller wins; always ends with the username
    figures: dict[str, Any]


@dataclass(frozen=True)
class AwardResult:
    kind: str
    winner: Candidate | None
    candidates: int
    runner_up: Candidate | None = None
    rules: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> dict[str, Any]:
        """What is stored with the award: the winner's figures, the rules, the runner-up."""
        out = dict(self.winner.figures) if self.winner is not None else {}
        out["rules"] = self.rules
        if self.runner_up is not None:
            out["runner_up"] = {"agent": self.runner_up.username, **self.runner_up.figures}
        return out


def _decimal(value: Fraction | None, places: int = 2) -> str | None:
    """Half-up rounding for display, away from zero (as metrics' `report`); comparisons stay
    exact."""
    if value is None:
        return None
    scaled = math.floor(abs(value) * 10**places + Fraction(1, 2))
    sign = "-" if value < 0 and scaled else ""
    return f"{sign}{Decimal(scaled) / 10**places:.{places}f}"


def _result(kind: str, candidates: list[Candidate], rules: dict[str, Any]) -> AwardResult:
    ranked = sorted(candidates, key=lambda c: c.order)
    return AwardResult(
        kind=kind,
        winner=ranked[0] if ranked else None,
        candidates=len(ranked),
        runner_up=ranked[1] if len(ranked) > 1 else None,
        rules=rules,
    )


def _most_improved(
    now: list[ScorecardRow],
    before: list[ScorecardRow],
    handled_now: dict[int, int],
    handled_then: dict[int, int],
    names: dict[int, str],
) -> AwardResult:
    """The largest rise of the scorecard total over the previous month, both months scored under
    the same template (totals of different templates do not compare)."""
    previous = {row.agent_id: row for row in before if row.total is not None}
    out = []
    for row in now:
        then = previous.get(row.agent_id)
        if row.total is None or then is None or then.total is None:
            continue
        if then.template != row.template:
            continue
        handled = handled_now.get(row.agent_id, 0)
        handled_before = handled_then.get(row.agent_id, 0)
        if handled < IMPROVED_MIN_HANDLED or handled_before < IMPROVED_MIN_HANDLED:
            continue
        rise = row.total - then.total
        if rise <= 0:
            continue
        out.append(
            Candidate(
                row.agent_id,
                names[row.agent_id],
                (-rise, -row.total, names[row.agent_id]),
                {
                    "total": _decimal(row.total),
                    "previous_total": _decimal(then.total),
                    "rise": _decimal(rise),
                    "template": row.template,
                    "handled": handled,
                    "handled_before": handled_before,
                },
            )
        )
    return _result(AwardKind.MOST_IMPROVED, out, {"min_handled": IMPROVED_MIN_HANDLED})


def _csat_champion(kpis: dict[int, AgentKpis], names: dict[int, str]) -> AwardResult:
    """The highest share of 4–5 ratings over at least CSAT_MIN_RATINGS ratings; a tie goes to
    more ratings, then the higher mean rating."""
    out = []
    for agent_id, values in kpis.items():
        rate, avg = values["csat_rate"], values["csat_avg"]
        if rate.value is None or rate.n < CSAT_MIN_RATINGS:
            continue
        positive = rate.value * rate.n
        out.append(
            Candidate(
                agent_id,
                names[agent_id],
                (-rate.value, -rate.n, -(avg.value or 0), names[agent_id]),
                {
                    "csat_rate": _decimal(rate.value, 4),
                    "positive": int(positive),
                    "ratings": rate.n,
                    "csat_avg": _decimal(avg.value),
                },
            )
        )
    return _result(AwardKind.CSAT_CHAMPION, out, {"min_ratings": CSAT_MIN_RATINGS})


def _fastest_first_reply(kpis: dict[int, AgentKpis], names: dict[int, str]) -> AwardResult:
    """The lowest mean business first-reply time over at least FIRST_REPLY_MIN first replies,
    among agents who pass the quality gates: csat_rate ≥ 80 % over at least
    FIRST_REPLY_GATE_RATINGS ratings, and qa_score ≥ 80 when they were reviewed."""
    out = []
    for agent_id, values in kpis.items():
        first = values["first_reply_time_business"]
        csat, qa = values["csat_rate"], values["qa_score"]
        if first.value is None or first.n < FIRST_REPLY_MIN:
            continue
        if csat.value is None or csat.n < FIRST_REPLY_GATE_RATINGS:
            continue
        if csat.value < FIRST_REPLY_GATE_CSAT:
            continue
        if qa.value is not None and qa.value < FIRST_REPLY_GATE_QA:
            continue
        out.append(
            Candidate(
                agent_id,
                names[agent_id],
                (first.value, -first.n, names[agent_id]),
                {
                    "minutes": _decimal(first.value),
                    "first_replies": first.n,
                    "csat_rate": _decimal(csat.value, 4),
                    "ratings": csat.n,
                    "qa_score": _decimal(qa.value),
                    "reviews": qa.n,
                },
            )
        )
    rules = {
        "min_first_replies": FIRST_REPLY_MIN,
        "min_csat_rate": _decimal(FIRST_REPLY_GATE_CSAT, 4),
        "min_ratings": FIRST_REPLY_GATE_RATINGS,
        "min_qa_score": _decimal(FIRST_REPLY_GATE_QA),
    }
    return _result(AwardKind.FASTEST_FIRST_REPLY, out, rules)


TOUGH = (
    Q(ticket__priority__in=TOUGH_PRIORITIES)
    | Q(ticket__category=Category.DISPUTE)
    | Q(escalations__gt=0)
)


def _toughest_cases(month: date, names: dict[int, str]) -> AwardResult:
    """The most tough tickets solved (the resolver of the last solve in the month, as for the
    resolution KPIs): priority high or urgent (triage sets them from the buyer's risk), a
    dispute, or escalated. At least TOUGH_MIN; a tie goes to the larger share of tough tickets
    among all the agent solved."""
    start, end = month_bounds(month)
    rows = (
        TicketFacts.objects.filter(
            solved=True, resolver__isnull=False, last_solve_at__gte=start, last_solve_at__lt=end
        )
        .values("resolver")
        .annotate(
            solved=Count("pk"),
            tough=Count("pk", filter=TOUGH),
            urgent=Count("pk", filter=Q(ticket__priority=Priority.URGENT)),
            high=Count("pk", filter=Q(ticket__priority=Priority.HIGH)),
            disputes=Count("pk", filter=Q(ticket__category=Category.DISPUTE)),
            escalated=Count("pk", filter=Q(escalations__gt=0)),
        )
        .order_by("resolver")
    )
    out = []
    for row in rows:
        agent_id = row["resolver"]
        if row["tough"] < TOUGH_MIN:
            continue
        name = names.get(agent_id) or _name_of(agent_id)
        share = Fraction(row["tough"], row["solved"])
        out.append(
            Candidate(
                agent_id,
                name,
                (-row["tough"], -share, name),
                {
                    "tough": row["tough"],
                    "solved": row["solved"],
                    "urgent": row["urgent"],
                    "high": row["high"],
                    "disputes": row["disputes"],
                    "escalated": row["escalated"],
                },
            )
        )
    return _result(AwardKind.TOUGHEST_CASES, out, {"min_tough": TOUGH_MIN})


def _name_of(agent_id: int) -> str:
    return User.objects.values_list("username", flat=True).get(pk=agent_id)


def _usernames(agent_ids: Iterable[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=set(agent_ids)).values_list("pk", "username"))


def awards_compute(month: date) -> list[AwardResult]:
    """The four awards of a month, each with its winner (None when nobody qualified)."""
    start, end = month_bounds(month)
    before_start, before_end = month_bounds(month_previous(month))
    kpis = compute_kpis(start=start, end=end, template=default_template())
    kpis_before = compute_kpis(start=before_start, end=before_end, template=default_template())
    now_rows = scorecard_compute(start=start, end=end)
    before_rows = scorecard_compute(start=before_start, end=before_end)
    names = _usernames([*kpis, *kpis_before])
    results: list[Callable[[], AwardResult]] = [
        lambda: _most_improved(now_rows, before_rows, _handled(kpis), _handled(kpis_before), names),
        lambda: _csat_champion(kpis, names),
        lambda: _fastest_first_reply(kpis, names),
        lambda: _toughest_cases(month, names),
    ]
    return [compute() for compute in results]


def _handled(kpis: dict[int, AgentKpis]) -> dict[int, int]:
    """handled_volume per agent (its value is its own n)."""
    return {agent_id: values["handled_volume"].n for agent_id, values in kpis.items()}
