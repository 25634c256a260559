"""KPI computation (docs/metrics.md, "KPI catalogue") as SQL aggregations over facts and events.

The database groups and sums (integers only: counts and microseconds), Python divides with
exact fractions, so SQLite and PostgreSQL give identical figures and nothing is rounded
before aggregation. One query per KPI family, never a loop over tickets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import year_check
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.templates import TemplateSpec
from afterdesk.tickets.events import RETURN_OUTCOMES_RETAINED
from afterdesk.tickets.models import TicketEvent

US_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class KpiValue:
    value: Fraction | None  # exact; None when n = 0 or the denominator is 0
    n: int


AgentKpis = dict[str, KpiValue]


def period_validate(start: datetime, end: datetime) -> None:
    """Bounds with an offset, inside the supported years (docs/api.md, "Periods"), in order."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("period bounds need an offset", field="from")
    for name, bound in (("from", start), ("to", end)):
        try:
            year_check(bound)
        except ValueError as exc:
            raise ValidationError(f"{name}: {exc}", field=name) from exc
    if start >= end:
        raise ValidationError("from must be before to", field="from")


def _ratio(numerator: int | Fraction, denominator: int) -> Fraction | None:
    return Fraction(numerator) / denominator if denominator else None


def _in_period(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


class TemplateChoice:
    """The template whose parameters the template-dependent KPIs (resolution_time_index,
    weighted_volume, sla_first_reply_rate) use for each agent: the agent's own one where
    given (docs/metrics.md, "Positions and templates"), else `default`."""

    def __init__(
        self, default: TemplateSpec, per_agent: Mapping[int, TemplateSpec] | None = None
    ) -> None:
        self.default = default
        self.per_agent = dict(per_agent or {})
        distinct = {id(default): default}
        for spec in self.per_agent.values():
            distinct.setdefault(id(spec), spec)
        self.templates = list(distinct.values())
        self._index = {key: position for position, key in enumerate(distinct)}

    def of(self, agent_id: int) -> TemplateSpec:
        return self.per_agent.get(agent_id, self.default)

    def index_of(self, agent_id: int) -> int:
        return self._index[id(self.of(agent_id))]


def compute_kpis(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec,
    agent_templates: Mapping[int, TemplateSpec] | None = None,
) -> dict[int, AgentKpis]:
    """Every KPI of the catalogue for every agent with data in [start, end): agent id → KPI
    id → value.

    The template-dependent KPIs take their parameters from `agent_templates[agent]` where
    given, else from `template`; the queries are the same either way (one per KPI family).
    """
    period_validate(start, end)
    choice = TemplateChoice(template, agent_templates)
    result: dict[int, AgentKpis] = defaultdict(dict)
    for part in (
        _first_reply(start, end, choice),
        _resolution(start, end, choice),
        _csat(start, end),
        _returns(start, end),
        _volume_and_rates(start, end, choice),
        _qa(start, end),
        _reply_time(start, end),
    ):
        for agent_id, values in part.items():
            result[agent_id].update(values)
    empty = KpiValue(None, 0)
    return {
        agent_id: {kpi: values.get(kpi, empty) for kpi in KPI_IDS}
        for agent_id, values in result.items()
        if any(v.n > 0 for v in values.values())
    }


def _target_us(template: TemplateSpec) -> dict[str, int]:
    return {
        priority: math.floor(minutes * US_PER_MINUTE)
        for priority, minutes in template.first_reply_target.items()
    }


def _met(template: TemplateSpec) -> Any:
    """1 for a first reply within the template's target for its priority, else 0."""
    targets = _target_us(template)
    if not targets:
        return Value(0)
    return Sum(
        Case(
            *[
                When(
                    ticket__priority=priority, first_reply_business_us__lte=target_us, then=Value(1)
                )
                for priority, target_us in targets.items()
            ],
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def _first_reply(start: datetime, end: datetime, choice: TemplateChoice) -> dict[int, AgentKpis]:
    # Grouped by priority too, so each agent's template decides which priorities have a
    # target; one "met" column per distinct template in use.
    rows = (
        TicketFacts.objects.filter(
            _in_period("first_reply_at", start, end),
            first_reply_agent__isnull=False,
            first_reply_us__isnull=False,
        )
        .values("first_reply_agent", "ticket__priority")
        .annotate(
            n=Count("pk"),
            elapsed=Sum("first_reply_us"),
            business=Sum("first_reply_business_us"),
            **{f"met_{i}": _met(spec) for i, spec in enumerate(choice.templates)},
        )
        .order_by()
    )
    sums: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    row: dict[str, Any]
    for row in rows:  # type: ignore[assignment]  # the "met" columns are named at run time
        agent_id = row["first_reply_agent"]
        agent = sums[agent_id]
        agent["n"] += row["n"]
        agent["elapsed"] += row["elapsed"]
        agent["business"] += row["business"]
        if row["ticket__priority"] in choice.of(agent_id).first_reply_target:
            agent["targeted"] += row["n"]
            agent["met"] += row[f"met_{choice.index_of(agent_id)}"] or 0
    out: dict[int, AgentKpis] = {}
    for agent_id, s in sums.items():
        n = s["n"]
        out[agent_id] = {
            "first_reply_time": KpiValue(Fraction(s["elapsed"], n * US_PER_MINUTE), n),
            "first_reply_time_business": KpiValue(Fraction(s["business"], n * US_PER_MINUTE), n),
            "sla_first_reply_rate": KpiValue(_ratio(s["met"], s["targeted"]), s["targeted"]),
        }
    return out


def _resolution(start: datetime, end: datetime, choice: TemplateChoice) -> dict[int, AgentKpis]:
    counted = Q(customer_initiated=True, agent_replies__gte=1)
    rows = (
        TicketFacts.objects.filter(
            _in_period("last_solve_at", start, end), solved=True, resolver__isnull=False
        )
        .values("resolver", "ticket__category")
        .annotate(
            n=Count("pk"),
            elapsed=Sum("resolution_us"),
            business=Sum("resolution_business_us"),
            reopened=Count("pk", filter=Q(reopens__gte=1)),
            counted=Count("pk", filter=counted),
            fcr=Count("pk", filter=counted & Q(reopens=0, transfers=0, escalations=0)),
            one_touch=Count("pk", filter=counted & Q(agent_replies=1, reopens=0)),
        )
        .order_by()
    )
    sums: dict[int, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        agent = sums[row["resolver"]]
        for key in ("n", "elapsed", "business", "reopened", "counted", "fcr", "one_touch"):
            agent[key] += row[key]
        template = choice.of(row["resolver"])
        target = template.category_targets.get(
            row["ticket__category"] or "", template.default_category_target
        )
        agent["index"] += Fraction(row["business"], US_PER_MINUTE) / target
    out: dict[int, AgentKpis] = {}
    for agent_id, s in sums.items():
        n = s["n"]
        out[agent_id] = {
            "resolution_time": KpiValue(Fraction(s["elapsed"], n * US_PER_MINUTE), n),
            "resolution_time_business": KpiValue(Fraction(s["business"], n * US_PER_MINUTE), n),
            "resolution_time_index": KpiValue(Fraction(s["index"]) / n, n),
            "fcr_rate": KpiValue(_ratio(s["fcr"], s["counted"]), s["counted"]),
            "one_touch_rate": KpiValue(_ratio(s["one_touch"], s["counted"]), s["counted"]),
            "reopen_rate": KpiValue(_ratio(s["reopened"], n), n),
        }
    return out


def _csat(start: datetime, end: datetime) -> dict[int, AgentKpis]:
    rows = (
        TicketFacts.objects.filter(
            _in_period("rating_at", start, end), rating_agent__isnull=False, rating__isnull=False
        )
        .values("rating_agent")
        .annotate(n=Count("pk"), good=Count("pk", filter=Q(rating__gte=4)), total=Sum("rating"))
        .order_by()
    )
    return {
        row["rating_agent"]: {
            "csat_rate": KpiValue(_ratio(row["good"], row["n"]), row["n"]),
            "csat_avg": KpiValue(_ratio(row["total"], row["n"]), row["n"]),
        }
        for row in rows
    }


def _returns(start: datetime, end: datetime) -> dict[int, AgentKpis]:
    rows = (
        TicketFacts.objects.filter(_in_period("return_at", start, end), return_agent__isnull=False)
        .exclude(return_outcome="")
        .values("return_agent")
        .annotate(
            n=Count("pk"),
            kept=Count("pk", filter=Q(return_outcome__in=sorted(RETURN_OUTCOMES_RETAINED))),
        )
        .order_by()
    )
    return {
        row["return_agent"]: {
            "return_retention_rate": KpiValue(_ratio(row["kept"], row["n"]), row["n"])
        }
        for row in rows
    }


def _volume_and_rates(
    start: datetime, end: datetime, choice: TemplateChoice
) -> dict[int, AgentKpis]:
    events = TicketEvent.objects.filter(_in_period("at", start, end), agent__isnull=False)
    handled: dict[int, int] = defaultdict(int)
    weighted: dict[int, Fraction] = defaultdict(Fraction)
    for row in (
        events.filter(kind="message", subtype="reply")
        .values("agent", "ticket__category")
        .annotate(tickets=Count("ticket", distinct=True))
        .order_by()
    ):
        handled[row["agent"]] += row["tickets"]
        weights = choice.of(row["agent"]).category_weights
        weight = weights.get(row["ticket__category"] or "", Fraction(1))
        weighted[row["agent"]] += weight * row["tickets"]
    counts: dict[tuple[int, str], int] = {
        (row["agent"], row["kind"]): row["n"]
        for row in events.filter(kind__in=("escalate", "complaint"))
        .values("agent", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    agents = set(handled) | {agent for agent, _ in counts}
    out: dict[int, AgentKpis] = {}
    for agent_id in agents:
        volume = handled.get(agent_id, 0)
        out[agent_id] = {
            "handled_volume": KpiValue(Fraction(volume) if volume else None, volume),
            "weighted_volume": KpiValue(weighted[agent_id] if volume else None, volume),
            "escalation_rate": KpiValue(
                _ratio(counts.get((agent_id, "escalate"), 0), volume), volume
            ),
            "complaint_rate": KpiValue(
                _ratio(counts.get((agent_id, "complaint"), 0), volume), volume
            ),
        }
    return out


def _qa(start: datetime, end: datetime) -> dict[int, AgentKpis]:
    # Grouped by (agent, score) so fractional scores are summed exactly in Python.
    counts: dict[int, int] = defaultdict(int)
    totals: dict[int, Fraction] = defaultdict(Fraction)
    for row in (
        TicketEvent.objects.filter(
            _in_period("at", start, end), kind="qa_review", agent__isnull=False
        )
        .values("agent", "score")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["agent"]] += row["n"]
        totals[row["agent"]] += Fraction(str(row["score"] or 0)) * row["n"]
    return {
        agent_id: {"qa_score": KpiValue(totals[agent_id] / n, n)} for agent_id, n in counts.items()
    }


def _reply_time(start: datetime, end: datetime) -> dict[int, AgentKpis]:
    """reply_time_business: mean business minutes from the waiting buyer message to each reply
    that answers it (`ReplyWait`), dated by the reply, for the replying agent."""
    rows = (
        ReplyWait.objects.filter(_in_period("at", start, end), agent__isnull=False)
        .values("agent")
        .annotate(n=Count("pk"), business=Sum("business_us"))
        .order_by()
    )
    return {
        row["agent"]: {
            "reply_time_business": KpiValue(
                Fraction(row["business"], row["n"] * US_PER_MINUTE), row["n"]
            )
        }
        for row in rows
    }


def _float(value: Fraction | None) -> float | None:
    return float(value) if value is not None else None


def kpis_as_json(values: AgentKpis, kpi_ids: Iterable[str] = KPI_IDS) -> dict[str, Any]:
    return {
        kpi: {
            "value": _float(values[kpi].value),
            "n": values[kpi].n,
        }
        for kpi in kpi_ids
    }
