"""Scorecards (docs/metrics.md, "Scorecard templates"): KPI scores, category scores, total and
rank, computed with exact fractions and rounded half up to 2 decimals only when reported."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol

from afterdesk.accounts.models import User
from afterdesk.metrics.assignments import TemplateResolver
from afterdesk.metrics.catalogue import HIGHER, KPI_DIRECTION
from afterdesk.metrics.kpis import AgentKpis, KpiValue, compute_kpis
from afterdesk.metrics.templates import (
    SegmentOverride,
    TemplateKpi,
    TemplateSpec,
    default_template,
)

HUNDRED = Fraction(100)


class KpisCompute(Protocol):
    """`compute_kpis`'s signature."""

    def __call__(
        self,
        *,
        start: datetime,
        end: datetime,
        template: TemplateSpec,
        agent_templates: Mapping[int, TemplateSpec] | None = None,
    ) -> dict[int, AgentKpis]: ...


NO_TEMPLATE = "no template"


def _float(value: Fraction | None) -> float | None:
    return float(value) if value is not None else None


def report(value: Fraction | None) -> Decimal | None:
    """Round half up to 2 decimals from the exact value (scores are never negative)."""
    if value is None:
        return None
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents) / 100


def kpi_score(item: TemplateKpi, value: Fraction) -> Fraction:
    higher = KPI_DIRECTION[item.kpi] == HIGHER
    if item.target == item.floor:
        meets = value >= item.target if higher else value <= item.target
        return HUNDRED if meets else Fraction(0)
    if higher:
        share = (value - item.floor) / (item.target - item.floor)
    else:
        share = (item.floor - value) / (item.floor - item.target)
    return HUNDRED * min(max(share, Fraction(0)), Fraction(1))


def _weighted_mean(pairs: list[tuple[Fraction, Fraction]]) -> Fraction | None:
    total_weight = sum((weight for _, weight in pairs), Fraction(0))
    if not pairs or total_weight == 0:
        return None
    return sum((score * weight for score, weight in pairs), Fraction(0)) / total_weight


@dataclass(frozen=True)
class AgentSegment:
    """What segment overrides and peer groups look at (shift, languages, markets, position)."""

    role: str = ""
    shift: str = ""
    languages: tuple[str, ...] = ()
    markets: tuple[str, ...] = ()

    def matches(self, override: SegmentOverride) -> bool:
        for key, value in override.segment:
            if key == "shift" and self.shift != value:
                return False
            if key == "language" and value not in self.languages:
                return False
            if key == "market" and value not in self.markets:
                return False
        return True

    @property
    def peer_group(self) -> tuple[str, str, str]:
        """Same position, shift and (first) language: the fairness peer group."""
        return (self.role, self.shift, self.languages[0] if self.languages else "")


@dataclass(frozen=True)
class KpiLine:
    value: Fraction | None
    n: int
    score: Fraction | None
    excluded: str | None
    override: str | None = None  # the segment override that set target/floor, if any
    target: Fraction | None = None
    floor: Fraction | None = None


@dataclass(frozen=True)
class ScorecardRow:
    agent_id: int
    agent: str
    kpis: dict[str, KpiLine]
    categories: dict[str, Fraction | None]
    total: Fraction | None
    rank: int | None = None
    segment: AgentSegment | None = None
    peer_medians: dict[str, Fraction | None] = field(default_factory=dict)
    # The template that scored the row (None: the agent has no template, so no scores and
    # no rank); with its name and version number for display.
    template: str | None = None
    template_name: str = ""
    template_version: int | None = None

    def as_json(self, *, detailed: bool = False) -> dict[str, Any]:
        """The row of `afterdesk scorecard` (docs/metrics.md, "Commands"); `detailed` adds the
        agent's position and per KPI target/floor, the override used and the peer median."""
        row = self._contract_json()
        if detailed:
            row["position"] = self.segment.role if self.segment else None
            for kpi, line in self.kpis.items():
                row["kpis"][kpi].update(
                    target=_float(line.target),
                    floor=_float(line.floor),
                    override=line.override,
                    peer_median=_float(self.peer_medians.get(kpi)),
                )
        return row

    def _contract_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return float(value) if value is not None else None

        return {
            "agent": self.agent,
            "template": self.template,
            "kpis": {
                kpi: {
                    "value": float(line.value) if line.value is not None else None,
                    "n": line.n,
                    "score": number(report(line.score)),
                    "excluded": line.excluded,
                }
                for kpi, line in self.kpis.items()
            },
            "categories": {name: number(report(score)) for name, score in self.categories.items()},
            "total": number(report(self.total)),
            "rank": self.rank,
        }


def score_agent(
    *,
    agent_id: int,
    agent: str,
    values: dict[str, KpiValue],
    template: TemplateSpec,
    segment: AgentSegment | None = None,
) -> ScorecardRow:
    lines: dict[str, KpiLine] = {}
    categories: dict[str, Fraction | None] = {}
    for category in template.categories:
        included: list[tuple[Fraction, Fraction]] = []
        for template_item in category.kpis:
            item, override = _apply_override(template_item, template, segment)
            kpi = values.get(item.kpi, KpiValue(None, 0))
            score = kpi_score(item, kpi.value) if kpi.value is not None else None
            if kpi.value is None:
                excluded: str | None = "no data"
            elif kpi.n < template.min_samples:
                excluded = f"n < min_samples ({kpi.n} < {template.min_samples})"
            else:
                excluded = None
            if excluded is None and score is not None:
                included.append((score, item.weight))
            lines[item.kpi] = KpiLine(
                kpi.value, kpi.n, score, excluded, override, item.target, item.floor
            )
        categories[category.name] = _weighted_mean(included)
    total = _weighted_mean(
        [
            (score, category.weight)
            for category in template.categories
            if (score := categories[category.name]) is not None
        ]
    )
    return ScorecardRow(agent_id, agent, lines, categories, total, segment=segment)


def _apply_override(
    item: TemplateKpi, template: TemplateSpec, segment: AgentSegment | None
) -> tuple[TemplateKpi, str | None]:
    """The first matching segment override of this KPI replaces its target and floor."""
    if segment is None:
        return item, None
    for override in template.segment_overrides:
        if override.kpi == item.kpi and segment.matches(override):
            return TemplateKpi(item.kpi, item.weight, override.target, override.floor), (
                override.label
            )
    return item, None


def rank_rows(rows: list[ScorecardRow]) -> list[ScorecardRow]:
    """Order by the reported total, ties sharing the better rank (1, 2, 2, 4); unscored last."""
    scored = sorted(
        (r for r in rows if r.total is not None), key=lambda r: (-(report(r.total) or 0), r.agent)
    )
    ranked: list[ScorecardRow] = []
    previous: Decimal | None = None
    rank = 0
    for position, row in enumerate(scored, start=1):
        reported = report(row.total)
        if reported != previous:
            rank, previous = position, reported
        ranked.append(replace(row, rank=rank))  # keeps the segment and peer medians
    unscored = sorted((r for r in rows if r.total is None), key=lambda r: r.agent)
    return ranked + unscored


def median(values: list[Fraction]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def agent_segments(agent_ids: list[int]) -> dict[int, tuple[str, AgentSegment]]:
    """Username and segment (position, shift, languages, markets) of each agent."""
    users = User.objects.filter(pk__in=agent_ids).select_related("profile")
    result: dict[int, tuple[str, AgentSegment]] = {}
    for user in users:
        profile = getattr(user, "profile", None)
        result[user.pk] = (
            user.username,
            AgentSegment(
                role=user.position,
                shift=profile.shift if profile else "",
                languages=tuple(profile.languages) if profile else (),
                markets=tuple(profile.markets) if profile else (),
            ),
        )
    return result


def _peer_medians(
    values: dict[int, AgentKpis], peers: list[int], kpi_ids: list[str]
) -> dict[str, Fraction | None]:
    return {
        kpi: median([v for p in peers if (v := values[p][kpi].value) is not None])
        for kpi in kpi_ids
    }


def scorecard_compute(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    kpis: KpisCompute = compute_kpis,
    medians: bool = True,
) -> list[ScorecardRow]:
    """One row per agent who appears in the period (docs/metrics.md, "Periods and who
    appears"), ranked, with each KPI's peer median
    (agents of the same template, position, shift and language).

    With a template, everyone is scored under it (the what-if view). Without one, each agent
    under their own template (docs/metrics.md, "Positions and templates"): rows come grouped
    by template and ranked within it; agents with no template come last, unscored.

    `kpis`: what computes the KPIs, `compute_kpis` or one giving exactly its figures (e.g.
    `metrics.stored.KpiStore.compute_kpis`, the stored ones while current). `medians=False`:
    no peer medians (empty), for who needs only totals and ranks.
    """
    if template is not None:
        return _scorecard_one_template(
            start=start, end=end, template=template, compute=kpis, medians=medians
        )
    return _scorecard_own_templates(start=start, end=end, compute=kpis, medians=medians)


def _scorecard_one_template(
    *, start: datetime, end: datetime, template: TemplateSpec, compute: KpisCompute, medians: bool
) -> list[ScorecardRow]:
    values = compute(start=start, end=end, template=template)
    people = agent_segments(list(values))
    groups: dict[tuple[str, str, str], list[int]] = {}
    for agent_id, (_, segment) in people.items():
        groups.setdefault(segment.peer_group, []).append(agent_id)
    rows = []
    for agent_id, kpis in values.items():
        name, segment = people[agent_id]
        row = score_agent(
            agent_id=agent_id, agent=name, values=kpis, template=template, segment=segment
        )
        peers = (
            _peer_medians(values, groups[segment.peer_group], template.kpi_ids) if medians else {}
        )
        rows.append(replace(row, peer_medians=peers, template=template.id))
    return rank_rows(rows)


def _scorecard_own_templates(
    *, start: datetime, end: datetime, compute: KpisCompute, medians: bool
) -> list[ScorecardRow]:
    assigned = TemplateResolver().for_agents(
        agent_ids=User.objects.values_list("pk", flat=True), end=end
    )
    specs = {agent_id: a.spec for agent_id, a in assigned.items() if a is not None}
    values = compute(start=start, end=end, template=default_template(), agent_templates=specs)
    people = agent_segments(list(values))
    groups: dict[tuple[str | None, tuple[str, str, str]], list[int]] = {}
    for agent_id, (_, segment) in people.items():
        own = assigned.get(agent_id)
        groups.setdefault((own.key if own else None, segment.peer_group), []).append(agent_id)
    by_template: dict[str, list[ScorecardRow]] = {}
    unscored: list[ScorecardRow] = []
    for agent_id, kpis in values.items():
        name, segment = people[agent_id]
        own = assigned.get(agent_id)
        if own is None:
            unscored.append(_unscored_row(agent_id, name, kpis, segment))
            continue
        row = score_agent(
            agent_id=agent_id, agent=name, values=kpis, template=own.spec, segment=segment
        )
        peers = (
            _peer_medians(values, groups[(own.key, segment.peer_group)], own.spec.kpi_ids)
            if medians
            else {}
        )
        by_template.setdefault(own.key, []).append(
            replace(
                row,
                peer_medians=peers,
                template=own.key,
                template_name=own.name,
                template_version=own.version.number,
            )
        )
    ranked = [row for key in sorted(by_template) for row in rank_rows(by_template[key])]
    return ranked + sorted(unscored, key=lambda r: r.agent)


def _unscored_row(agent_id: int, name: str, kpis: AgentKpis, segment: AgentSegment) -> ScorecardRow:
    """An agent without a template: every KPI's figures, no score, no rank."""
    lines = {kpi: KpiLine(value.value, value.n, None, NO_TEMPLATE) for kpi, value in kpis.items()}
    return ScorecardRow(agent_id, name, lines, {}, None, segment=segment)
