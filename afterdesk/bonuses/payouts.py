"""Pure payout computation: a scorecard row plus a bonus definition gives an explained line;
the lines plus the rule's budget and labour cost give a summary with warnings.

Exactness (docs/metrics.md, "Rounding"): tiers compare the *reported* 2-decimal total
(`report`, half up), so what the agent sees on the scorecard is what decides; KPI conditions
compare the exact KPI value (a Fraction) with the threshold as written (a Decimal, converted
exactly).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from afterdesk.bonuses.definition import BonusDefinition, Condition, Extra, Tier
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.kpis import KpiValue
from afterdesk.metrics.scorecards import ScorecardRow, report

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
SYMBOL = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}
NEGATION = {">=": "<", ">": "≤", "<=": ">", "<": "≥", "==": "≠"}


@dataclass(frozen=True)
class KpiObservation:
    """What a condition looks at: the exact value, its n and why it is excluded, if it is."""

    value: Fraction | None
    n: int
    excluded: str | None


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    kind: str  # "when" or "unless"
    observed: KpiObservation
    holds: bool  # the comparison is true (False when the KPI is excluded)
    explanation: str

    @property
    def decides(self) -> bool:
        """A `when` that fails or an `unless` that holds: it is why something is not paid."""
        return not self.holds if self.kind == "when" else self.holds

    def as_json(self) -> dict[str, Any]:
        value = self.observed.value
        return {
            "kind": self.kind,
            "kpi": self.condition.kpi,
            "op": self.condition.op,
            "threshold": str(self.condition.value),
            "value": float(value) if value is not None else None,
            "n": self.observed.n,
            "excluded": self.observed.excluded,
            "holds": self.holds,
            "explanation": self.explanation,
        }


@dataclass(frozen=True)
class ExtraResult:
    name: str
    amount: Decimal  # what the extra is worth
    paid: bool
    reason: str
    conditions: tuple[ConditionResult, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "amount": str(self.amount),
            "paid": self.paid,
            "paid_amount": str(self.amount if self.paid else ZERO),
            "reason": self.reason,
            "conditions": [c.as_json() for c in self.conditions],
        }


@dataclass(frozen=True)
class AllowanceResult:
    """A certification's allowance on an agent's line (docs/bonuses.md, "Certification
    allowances"): paid when it is in the rule's currency, whatever the tier and the gate."""

    certification: str
    amount: Decimal
    currency: str
    paid: bool
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "certification": self.certification,
            "amount": str(self.amount),
            "currency": self.currency,
            "paid": self.paid,
            "paid_amount": str(self.amount if self.paid else ZERO),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class PayoutLine:
    agent_id: int
    agent: str
    total: Decimal | None  # the reported scorecard total
    rank: int | None  # within the template (the scorecard's rank)
    tier: Tier | None
    tier_amount: Decimal
    tier_reason: str
    gate: tuple[ConditionResult, ...]
    gate_passed: bool
    extras: tuple[ExtraResult, ...]
    amount: Decimal
    template: str | None = None  # the template that scored the agent
    position: str = ""  # the agent's position (User.position)
    allowances: tuple[AllowanceResult, ...] = ()  # only with certification_allowances

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            **_agent_json(self),
            "total": str(self.total) if self.total is not None else None,
            "rank": self.rank,
            "tier": self.tier.name if self.tier else None,
            "tier_min_total": str(self.tier.min_total) if self.tier else None,
            "tier_amount": str(self.tier_amount),
            "tier_reason": self.tier_reason,
            "gate_passed": self.gate_passed,
            "gate": [c.as_json() for c in self.gate],
            "extras": [e.as_json() for e in self.extras],
            "amount": str(self.amount),
        }
        if self.allowances:
            data["allowances"] = [a.as_json() for a in self.allowances]
        return data


@dataclass(frozen=True)
class Exclusion:
    """An agent of a position rule who is not paid by it, and why (scored under another
    template, or under none)."""

    agent_id: int
    agent: str
    position: str
    template: str | None  # the template that scores the agent (None: none)
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {**_agent_json(self), "reason": self.reason}


def _agent_json(item: PayoutLine | Exclusion) -> dict[str, Any]:
    """Whom a payout line or an exclusion is about: the first keys of its JSON."""
    return {
        "agent_id": item.agent_id,
        "agent": item.agent,
        "position": item.position,
        "template": item.template,
    }


@dataclass(frozen=True)
class RuleTarget:
    """Whom a rule pays: everyone scored under `template`, or (kind "position") the agents
    of `position` scored under it."""

    kind: str
    position: str
    template: str

    def as_json(self) -> dict[str, Any]:
        return {
            "target_kind": self.kind,
            "position": self.position or None,
            "template": self.template,
        }

    @property
    def label(self) -> str:
        if self.kind == "position":
            return f"position {self.position} under template {self.template}"
        return f"everyone under template {self.template}"


@dataclass(frozen=True)
class PayoutWarning:
    code: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True)
class PayoutSummary:
    target: RuleTarget
    currency: str
    agents: int
    paid_agents: int
    excluded: int  # agents of the position not paid: not scored under the rule's template
    total: Decimal
    budget: Decimal | None
    labour_cost: Decimal | None
    labour_share: Decimal | None  # total ÷ labour cost, 4 decimals half up (display only)
    max_share: Decimal
    warnings: tuple[PayoutWarning, ...]

    def as_json(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return str(value) if value is not None else None

        return {
            **self.target.as_json(),
            "currency": self.currency,
            "agents": self.agents,
            "paid_agents": self.paid_agents,
            "excluded": self.excluded,
            "total": str(self.total),
            "budget": text(self.budget),
            "labour_cost": text(self.labour_cost),
            "labour_share": text(self.labour_share),
            "max_share": str(self.max_share),
            "warnings": [w.as_json() for w in self.warnings],
        }


@dataclass(frozen=True)
class PayoutResult:
    rule_id: int | None
    rule_name: str
    target: RuleTarget
    currency: str
    template_version: int  # the version in force at the period's end
    template_version_id: int
    definition: dict[str, Any]
    start: datetime
    end: datetime
    lines: tuple[PayoutLine, ...]
    excluded: tuple[Exclusion, ...]
    summary: PayoutSummary

    @property
    def template_key(self) -> str:
        return self.target.template

    def as_json(self) -> dict[str, Any]:
        """The payout document: what the API returns, the JSON export and what a statement
        freezes."""
        return {
            "rule": {
                "id": self.rule_id,
                "name": self.rule_name,
                **self.target.as_json(),
                "currency": self.currency,
                "template_version": self.template_version,
                "definition": self.definition,
            },
            "period": {"from": format_instant(self.start), "to": format_instant(self.end)},
            "lines": [line.as_json() for line in self.lines],
            "excluded": [exclusion.as_json() for exclusion in self.excluded],
            "summary": self.summary.as_json(),
        }


def show(value: Fraction) -> str:
    """A KPI value for an explanation: exact when it is a short decimal, else a float."""
    if value.denominator in (1, 2, 4, 5, 8, 10, 20, 25, 50, 100, 1000):
        return str(Decimal(value.numerator) / Decimal(value.denominator))
    return repr(float(value))


def observe(
    row: ScorecardRow, kpi: str, others: Mapping[str, KpiValue], min_samples: int
) -> KpiObservation:
    """A template KPI as the scorecard row has it; any other KPI from `compute_kpis`, excluded
    by the same rule as the scorecard (null, or n < the template's min_samples)."""
    line = row.kpis.get(kpi)
    if line is not None:
        return KpiObservation(line.value, line.n, line.excluded)
    value = others.get(kpi, KpiValue(None, 0))
    if value.value is None:
        return KpiObservation(None, value.n, "no data")
    if value.n < min_samples:
        return KpiObservation(value.value, value.n, f"n < min_samples ({value.n} < {min_samples})")
    return KpiObservation(value.value, value.n, None)


def _compare(value: Fraction, op: str, threshold: Fraction) -> bool:
    if op == ">=":
        return value >= threshold
    if op == ">":
        return value > threshold
    if op == "<=":
        return value <= threshold
    if op == "<":
        return value < threshold
    return value == threshold


def condition_check(condition: Condition, kind: str, observed: KpiObservation) -> ConditionResult:
    """An excluded KPI (null or n < min_samples) never holds: a `when` on it fails (no bonus
    on missing evidence) and an `unless` on it does not block (no penalty on missing evidence).
    """
    kpi, threshold = condition.kpi, condition.value
    if observed.value is None or observed.excluded is not None:
        effect = "fails" if kind == "when" else "does not block"
        text = f"{kpi} excluded ({observed.excluded or 'no data'}): {effect}"
        return ConditionResult(condition, kind, observed, False, text)
    holds = _compare(observed.value, condition.op, Fraction(threshold))
    symbol = SYMBOL[condition.op] if holds else NEGATION[condition.op]
    text = f"{kpi} {show(observed.value)} {symbol} {threshold}"
    return ConditionResult(condition, kind, observed, holds, text)


Observer = Callable[[str], KpiObservation]


def _check_all(
    when: tuple[Condition, ...],
    unless: tuple[Condition, ...],
    observe_kpi: Observer,
) -> tuple[ConditionResult, ...]:
    return tuple(
        [condition_check(c, "when", observe_kpi(c.kpi)) for c in when]
        + [condition_check(c, "unless", observe_kpi(c.kpi)) for c in unless]
    )


def _why_not(results: tuple[ConditionResult, ...]) -> str:
    failed = [r for r in results if r.decides]
    blocked = [r.explanation for r in failed if r.kind == "unless"]
    missing = [r.explanation for r in failed if r.kind == "when"]
    parts = []
    if missing:
        parts.append("condition not met: " + "; ".join(missing))
    if blocked:
        parts.append("blocked: " + "; ".join(blocked))
    return "; ".join(parts)


def tier_pick(total: Decimal | None, tiers: tuple[Tier, ...]) -> tuple[Tier | None, str]:
    """The highest tier whose min_total the reported total meets (≥, inclusive)."""
    if total is None:
        return None, "no total score (every KPI of the template excluded)"
    for tier in tiers:  # highest threshold first
        if total >= tier.min_total:
            return tier, f"total {total} ≥ {tier.min_total} ({tier.name})"
    if not tiers:
        return None, "the rule has no tiers"
    lowest = tiers[-1]
    return None, f"total {total} < {lowest.min_total} (lowest tier {lowest.name})"


def payout_line(
    *,
    row: ScorecardRow,
    definition: BonusDefinition,
    others: Mapping[str, KpiValue],
    min_samples: int,
    position: str = "",
    allowances: tuple[AllowanceResult, ...] = (),
) -> PayoutLine:
    """One agent's payout with the reason for every amount paid or not."""

    def observe_kpi(kpi: str) -> KpiObservation:
        return observe(row, kpi, others, min_samples)

    total = reported(row.total)
    gate = _check_all(definition.gate.when, definition.gate.unless, observe_kpi)
    gate_passed = not any(r.decides for r in gate)
    tier, tier_reason = tier_pick(total, definition.tiers)
    if tier is not None and not gate_passed:
        tier_reason += f"; not paid, gate {_why_not(gate)}"
    tier_amount = tier.amount if tier is not None and gate_passed else ZERO
    extras = tuple(_extra(extra, observe_kpi, gate_passed, gate) for extra in definition.extras)
    amount = tier_amount + sum((e.amount for e in extras if e.paid), ZERO)
    amount += sum((a.amount for a in allowances if a.paid), ZERO)
    return PayoutLine(
        row.agent_id,
        row.agent,
        total,
        row.rank,
        tier,
        tier_amount,
        tier_reason,
        gate,
        gate_passed,
        extras,
        amount,
        row.template,
        position,
        allowances,
    )


def _extra(
    extra: Extra, observe_kpi: Observer, gate_passed: bool, gate: tuple[ConditionResult, ...]
) -> ExtraResult:
    results = _check_all(extra.when, extra.unless, observe_kpi)
    if not gate_passed:
        return ExtraResult(extra.name, extra.amount, False, f"gate {_why_not(gate)}", results)
    if any(r.decides for r in results):
        return ExtraResult(extra.name, extra.amount, False, _why_not(results), results)
    held = [r.explanation for r in results if r.kind == "when"]
    reason = "; ".join(held) if held else "unconditional"
    if extra.unless:
        reason += "; not blocked"
    return ExtraResult(extra.name, extra.amount, True, reason, results)


def payout_summary(
    *,
    lines: tuple[PayoutLine, ...],
    target: RuleTarget,
    currency: str,
    budget: Decimal | None,
    labour_cost: Decimal | None,
    max_share: Decimal,
    excluded: int = 0,
) -> PayoutSummary:
    """The rule's sum with a warning when it is over budget or over the labour-cost share
    (both strictly greater: exactly the budget or exactly the share is fine)."""
    total = sum((line.amount for line in lines), ZERO)
    warnings = []
    if budget is not None and total > budget:
        warnings.append(
            PayoutWarning(
                "budget_exceeded",
                f"payout {total} {currency} exceeds the budget {budget} {currency} "
                f"by {total - budget}",
            )
        )
    share = None
    if labour_cost is not None and labour_cost > 0:
        share = (total / labour_cost).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        if Fraction(total) > Fraction(max_share) * Fraction(labour_cost):
            warnings.append(
                PayoutWarning(
                    "labour_share_exceeded",
                    f"payout is {_percent(Fraction(total) / Fraction(labour_cost))} of the "
                    f"labour cost {labour_cost} {currency}, above the maximum "
                    f"{_percent(Fraction(max_share))}",
                )
            )
    return PayoutSummary(
        target,
        currency,
        len(lines),
        sum(1 for line in lines if line.amount > 0),
        excluded,
        total,
        budget,
        labour_cost,
        share,
        max_share,
        tuple(warnings),
    )


def _percent(share: Fraction) -> str:
    """10%, 12.5%, 10.0001%: up to 4 decimals (half up), so a share just over the maximum
    never reads as equal to it."""
    value = Decimal(math.floor(share * 1_000_000 + Fraction(1, 2))) / 10_000
    text = f"{value:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def reported(total: Fraction | None) -> Decimal | None:
    """The scorecard's reported total (half up, as the scorecard shows it), 2 decimals."""
    value = report(total)
    return value.quantize(CENT) if value is not None else None
