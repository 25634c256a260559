"""Scorecards (METRICS.md §5): KPI scores, category scores, total and rank, computed with
exact fractions and rounded half up to 2 decimals only when reported."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from afterdesk.accounts.models import User
from afterdesk.metrics.catalogue import HIGHER, KPI_DIRECTION
from afterdesk.metrics.kpis import KpiValue, compute_kpis
from afterdesk.metrics.templates import TemplateKpi, TemplateSpec

HUNDRED = Fraction(100)


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
class KpiLine:
    value: Fraction | None
    n: int
    score: Fraction | None
    excluded: str | None


@dataclass(frozen=True)
class ScorecardRow:
    agent_id: int
    agent: str
    kpis: dict[str, KpiLine]
    categories: dict[str, Fraction | None]
    total: Fraction | None
    rank: int | None = None

    def as_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return float(value) if value is not None else None

        return {
            "agent": self.agent,
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
    *, agent_id: int, agent: str, values: dict[str, KpiValue], template: TemplateSpec
) -> ScorecardRow:
    lines: dict[str, KpiLine] = {}
    categories: dict[str, Fraction | None] = {}
    for category in template.categories:
        included: list[tuple[Fraction, Fraction]] = []
        for item in category.kpis:
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
            lines[item.kpi] = KpiLine(kpi.value, kpi.n, score, excluded)
        categories[category.name] = _weighted_mean(included)
    total = _weighted_mean(
        [
            (score, category.weight)
            for category in template.categories
            if (score := categories[category.name]) is not None
        ]
    )
    return ScorecardRow(agent_id, agent, lines, categories, total)


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
        ranked.append(
            ScorecardRow(row.agent_id, row.agent, row.kpis, row.categories, row.total, rank)
        )
    unscored = sorted((r for r in rows if r.total is None), key=lambda r: r.agent)
    return ranked + unscored


def scorecard_compute(
    *, start: datetime, end: datetime, template: TemplateSpec
) -> list[ScorecardRow]:
    """One row per agent who appears in the period (§4), ranked."""
    values = compute_kpis(start=start, end=end, template=template)
    names = dict(User.objects.filter(pk__in=values).values_list("pk", "username"))
    rows = [
        score_agent(agent_id=agent_id, agent=names[agent_id], values=kpis, template=template)
        for agent_id, kpis in values.items()
    ]
    return rank_rows(rows)
