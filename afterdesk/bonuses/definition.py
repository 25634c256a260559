"""A bonus rule's definition JSON: tiers on the scorecard total, KPI extras and an optional
gate. `definition_parse` validates it and names the offending field (docs/bonuses.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS

OPERATORS = (">=", ">", "<=", "<", "==")
MAX_AMOUNT = Decimal("1000000000")  # 1e9 per line item: far above any bonus, below overflow
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Condition:
    kpi: str
    op: str
    value: Decimal  # the threshold, exact as written

    def as_json(self) -> dict[str, str]:
        return {"kpi": self.kpi, "op": self.op, "value": str(self.value)}


@dataclass(frozen=True)
class Tier:
    name: str
    min_total: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Extra:
    name: str
    amount: Decimal
    when: tuple[Condition, ...]
    unless: tuple[Condition, ...]


@dataclass(frozen=True)
class Gate:
    when: tuple[Condition, ...] = ()
    unless: tuple[Condition, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.when and not self.unless


@dataclass(frozen=True)
class BonusDefinition:
    tiers: tuple[Tier, ...]  # highest min_total first
    extras: tuple[Extra, ...]
    gate: Gate
    # Pay the allowances of the certifications each agent holds at the period's end
    # (training, docs/training.md "Certifications"); opt-in per rule, so an agent paid by
    # several rules gets an allowance once, from the rule that says so.
    certification_allowances: bool = False

    @property
    def kpis(self) -> set[str]:
        conditions = [*self.gate.when, *self.gate.unless]
        for extra in self.extras:
            conditions += [*extra.when, *extra.unless]
        return {c.kpi for c in conditions}

    def as_json(self) -> dict[str, Any]:
        """The normalised form that is stored: amounts as strings with 2 decimals."""
        data: dict[str, Any] = {
            "tiers": [
                {"name": t.name, "min_total": str(t.min_total), "amount": str(t.amount)}
                for t in self.tiers
            ],
            "extras": [
                {
                    "name": e.name,
                    "amount": str(e.amount),
                    "when": [c.as_json() for c in e.when],
                    "unless": [c.as_json() for c in e.unless],
                }
                for e in self.extras
            ],
        }
        if not self.gate.empty:
            data["gate"] = {
                "when": [c.as_json() for c in self.gate.when],
                "unless": [c.as_json() for c in self.gate.unless],
            }
        if self.certification_allowances:
            data["certification_allowances"] = True
        return data


def decimal_value(value: object, where: str) -> Decimal:
    """A finite number given as a JSON number or a decimal string, kept exact (a float is
    read through its shortest repr, so 0.98 is exactly 0.98)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValidationError(f"{where} must be a number", field=where)
    try:
        exact = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"{where} must be a number", field=where) from None
    if not exact.is_finite():
        raise ValidationError(f"{where} must be a finite number", field=where)
    exponent = exact.as_tuple().exponent
    if exact and (exact.adjusted() > 12 or (isinstance(exponent, int) and exponent < -12)):
        raise ValidationError(f"{where} is out of range (|x| < 1e13, ≤ 12 decimals)", field=where)
    return exact


def money(value: object, where: str) -> Decimal:
    """An amount ≥ 0 with at most 2 decimals, returned with exactly 2."""
    amount = decimal_value(value, where)
    if amount < 0:
        raise ValidationError(f"{where} must be ≥ 0", field=where)
    if amount > MAX_AMOUNT:
        raise ValidationError(f"{where} must be at most {MAX_AMOUNT}", field=where)
    if amount != amount.quantize(CENT):
        raise ValidationError(f"{where} must have at most 2 decimals", field=where)
    return amount.quantize(CENT)


def _object(value: object, where: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be an object", field=where)
    for key in value:
        if key not in allowed:
            raise ValidationError(f"{where}.{key} is not a known field", field=f"{where}.{key}")
    return value


def _name(data: Mapping[str, Any], where: str, seen: set[str]) -> str:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValidationError(f"{where}.name must be a non-empty string", field=f"{where}.name")
    if name in seen:
        raise ValidationError(f"name {name!r} appears twice", field=f"{where}.name")
    seen.add(name)
    return name


def _conditions(data: Mapping[str, Any], key: str, where: str) -> tuple[Condition, ...]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise ValidationError(f"{where}.{key} must be a list", field=f"{where}.{key}")
    result = []
    for index, item in enumerate(raw):
        at = f"{where}.{key}[{index}]"
        item = _object(item, at, {"kpi", "op", "value"})
        kpi = item.get("kpi")
        if kpi not in KPI_IDS:
            raise ValidationError(f"{at}.kpi: unknown KPI {kpi!r}", field=f"{at}.kpi")
        op = item.get("op")
        if op not in OPERATORS:
            raise ValidationError(
                f"{at}.op must be one of {', '.join(OPERATORS)}", field=f"{at}.op"
            )
        if "value" not in item:
            raise ValidationError(f"{at}.value is required", field=f"{at}.value")
        result.append(Condition(str(kpi), str(op), decimal_value(item["value"], f"{at}.value")))
    return tuple(result)


def definition_parse(data: object) -> BonusDefinition:
    """Validate a definition; raise ValidationError whose field is `definition.<path>`."""
    root = _object(data, "definition", {"tiers", "extras", "gate", "certification_allowances"})
    allowances = root.get("certification_allowances", False)
    if not isinstance(allowances, bool):
        raise ValidationError(
            "definition.certification_allowances must be true or false",
            field="definition.certification_allowances",
        )
    tiers_raw = root.get("tiers", [])
    if not isinstance(tiers_raw, list):
        raise ValidationError("definition.tiers must be a list", field="definition.tiers")
    names: set[str] = set()
    thresholds: set[Decimal] = set()
    tiers = []
    for index, item in enumerate(tiers_raw):
        where = f"definition.tiers[{index}]"
        item = _object(item, where, {"name", "min_total", "amount"})
        name = _name(item, where, names)
        if "min_total" not in item:
            raise ValidationError(f"{where}.min_total is required", field=f"{where}.min_total")
        min_total = decimal_value(item["min_total"], f"{where}.min_total")
        if not 0 <= min_total <= 100:
            raise ValidationError(
                f"{where}.min_total must be between 0 and 100", field=f"{where}.min_total"
            )
        if min_total in thresholds:
            raise ValidationError(
                f"two tiers have min_total {min_total}", field=f"{where}.min_total"
            )
        thresholds.add(min_total)
        tiers.append(Tier(name, min_total, money(item.get("amount"), f"{where}.amount")))
    extras_raw = root.get("extras", [])
    if not isinstance(extras_raw, list):
        raise ValidationError("definition.extras must be a list", field="definition.extras")
    extras = []
    names = set()
    for index, item in enumerate(extras_raw):
        where = f"definition.extras[{index}]"
        item = _object(item, where, {"name", "amount", "when", "unless"})
        name = _name(item, where, names)
        amount = money(item.get("amount"), f"{where}.amount")
        when = _conditions(item, "when", where)
        extras.append(Extra(name, amount, when, _conditions(item, "unless", where)))
    gate = Gate()
    if "gate" in root:
        gate_raw = _object(root["gate"], "definition.gate", {"when", "unless"})
        gate = Gate(
            _conditions(gate_raw, "when", "definition.gate"),
            _conditions(gate_raw, "unless", "definition.gate"),
        )
    if not tiers and not extras and not allowances:
        raise ValidationError(
            _("a definition needs at least one tier or extra"), field="definition.tiers"
        )
    ordered = tuple(sorted(tiers, key=lambda t: t.min_total, reverse=True))
    return BonusDefinition(ordered, tuple(extras), gate, allowances)
