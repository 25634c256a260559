"""Scorecard templates (docs/metrics.md, "Scorecard templates"): validation into an exact,
immutable form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS

PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class TemplateKpi:
    kpi: str
    weight: Fraction
    target: Fraction
    floor: Fraction


@dataclass(frozen=True)
class TemplateCategory:
    name: str
    weight: Fraction
    kpis: tuple[TemplateKpi, ...]


SEGMENT_KEYS = ("shift", "language", "market")


@dataclass(frozen=True)
class SegmentOverride:
    """A target/floor for one KPI that applies to agents of a segment (docs/metrics.md, "Segment
    overrides")."""

    segment: tuple[tuple[str, str], ...]  # e.g. (("shift", "night"),); all must match
    kpi: str
    target: Fraction
    floor: Fraction

    @property
    def label(self) -> str:
        return ", ".join(f"{key}={value}" for key, value in self.segment)


@dataclass(frozen=True)
class TemplateSpec:
    id: str
    name: str
    min_samples: int
    categories: tuple[TemplateCategory, ...]
    default_category_target: Fraction
    category_targets: Mapping[str, Fraction] = field(default_factory=dict)
    category_weights: Mapping[str, Fraction] = field(default_factory=dict)
    first_reply_target: Mapping[str, Fraction] = field(default_factory=dict)
    source: Mapping[str, Any] = field(default_factory=dict)
    segment_overrides: tuple[SegmentOverride, ...] = ()

    @property
    def kpi_ids(self) -> list[str]:
        return [k.kpi for c in self.categories for k in c.kpis]


def _number(value: object, where: str, *, positive: bool = False) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(f"{where} must be a number", field=where)
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    if positive and exact <= 0:
        raise ValidationError(f"{where} must be a number > 0", field=where)
    return exact


def _positive_map(data: Mapping[str, Any], key: str) -> dict[str, Fraction]:
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        raise ValidationError(f"{key} must be an object", field=key)
    return {name: _number(value, f"{key}.{name}", positive=True) for name, value in raw.items()}


def template_parse(data: object) -> TemplateSpec:
    """Validate a template's JSON form; raise ValidationError naming the offending field."""
    if not isinstance(data, dict):
        raise ValidationError("a template must be a JSON object", field="template")
    template_id = data.get("id")
    if not isinstance(template_id, str) or not template_id:
        raise ValidationError("id must be a non-empty string", field="id")
    min_samples = data.get("min_samples", 1)
    if isinstance(min_samples, bool) or not isinstance(min_samples, int) or min_samples < 1:
        raise ValidationError("min_samples must be an integer ≥ 1", field="min_samples")
    if "default_category_target" not in data:
        raise ValidationError(
            "default_category_target is required", field="default_category_target"
        )
    default_target = _number(
        data["default_category_target"], "default_category_target", positive=True
    )
    raw_categories = data.get("categories")
    if not isinstance(raw_categories, list) or not raw_categories:
        raise ValidationError("categories must be a non-empty list", field="categories")
    categories: list[TemplateCategory] = []
    seen_names: set[str] = set()
    seen_kpis: set[str] = set()
    for index, raw in enumerate(raw_categories):
        where = f"categories[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ValidationError(f"{where}.name must be a string", field=f"{where}.name")
        name = raw["name"]
        if name in seen_names:
            raise ValidationError(f"category {name!r} appears twice", field=f"{where}.name")
        seen_names.add(name)
        weight = _number(raw.get("weight"), f"{where}.weight", positive=True)
        raw_kpis = raw.get("kpis")
        if not isinstance(raw_kpis, list):
            raise ValidationError(f"{where}.kpis must be a list", field=f"{where}.kpis")
        kpis: list[TemplateKpi] = []
        for k_index, raw_kpi in enumerate(raw_kpis):
            k_where = f"{where}.kpis[{k_index}]"
            kpi_id = raw_kpi.get("kpi") if isinstance(raw_kpi, dict) else None
            if kpi_id not in KPI_IDS:
                raise ValidationError(
                    f"{k_where}.kpi: unknown KPI {kpi_id!r}", field=f"{k_where}.kpi"
                )
            if kpi_id in seen_kpis:
                raise ValidationError(f"KPI {kpi_id!r} appears twice", field=f"{k_where}.kpi")
            seen_kpis.add(kpi_id)
            _target_and_floor_given(raw_kpi, k_where)
            kpis.append(
                TemplateKpi(
                    kpi=kpi_id,
                    weight=_number(raw_kpi.get("weight"), f"{k_where}.weight", positive=True),
                    target=_number(raw_kpi["target"], f"{k_where}.target"),
                    floor=_number(raw_kpi["floor"], f"{k_where}.floor"),
                )
            )
        categories.append(TemplateCategory(name=name, weight=weight, kpis=tuple(kpis)))
    first_reply_target = _positive_map(data, "first_reply_target")
    for priority in first_reply_target:
        if priority not in PRIORITIES:
            raise ValidationError(
                f"first_reply_target.{priority}: not a priority ({', '.join(PRIORITIES)})",
                field=f"first_reply_target.{priority}",
            )
    return TemplateSpec(
        segment_overrides=_overrides(data, seen_kpis),
        id=template_id,
        name=str(data.get("name") or template_id),
        min_samples=min_samples,
        categories=tuple(categories),
        default_category_target=default_target,
        category_targets=_positive_map(data, "category_targets"),
        category_weights=_positive_map(data, "category_weights"),
        first_reply_target=first_reply_target,
        source=data,
    )


def _target_and_floor_given(raw: Mapping[str, Any], where: str) -> None:
    """A KPI's or a segment override's `target` and `floor` must be there."""
    for required in ("target", "floor"):
        if required not in raw:
            raise ValidationError(f"{where}.{required} is required", field=f"{where}.{required}")


def _overrides(data: Mapping[str, Any], kpis: set[str]) -> tuple[SegmentOverride, ...]:
    raw = data.get("segment_overrides", [])
    if not isinstance(raw, list):
        raise ValidationError("segment_overrides must be a list", field="segment_overrides")
    result = []
    for index, item in enumerate(raw):
        where = f"segment_overrides[{index}]"
        if not isinstance(item, dict):
            raise ValidationError(f"{where} must be an object", field=where)
        segment = item.get("segment")
        if (
            not isinstance(segment, dict)
            or not segment
            or any(k not in SEGMENT_KEYS or not isinstance(v, str) for k, v in segment.items())
        ):
            raise ValidationError(
                f"{where}.segment must map {', '.join(SEGMENT_KEYS)} to strings",
                field=f"{where}.segment",
            )
        if item.get("kpi") not in kpis:
            raise ValidationError(
                f"{where}.kpi must be a KPI of the template", field=f"{where}.kpi"
            )
        _target_and_floor_given(item, where)
        result.append(
            SegmentOverride(
                segment=tuple(sorted(segment.items())),
                kpi=item["kpi"],
                target=_number(item["target"], f"{where}.target"),
                floor=_number(item["floor"], f"{where}.floor"),
            )
        )
    return tuple(result)


DEFAULT_TEMPLATE_JSON: dict[str, Any] = {
    "id": "first_line",
    "name": "First-line agent",
    "min_samples": 5,
    "categories": [
        {
            "name": "efficiency",
            "weight": 35,
            "kpis": [
                {"kpi": "first_reply_time_business", "weight": 60, "target": 30, "floor": 240},
                {"kpi": "resolution_time_index", "weight": 40, "target": 1.0, "floor": 3.0},
            ],
        },
        {
            "name": "quality",
            "weight": 50,
            "kpis": [
                {"kpi": "fcr_rate", "weight": 40, "target": 0.85, "floor": 0.5},
                {"kpi": "csat_rate", "weight": 60, "target": 0.98, "floor": 0.8},
            ],
        },
        {
            "name": "cost",
            "weight": 15,
            "kpis": [{"kpi": "weighted_volume", "weight": 100, "target": 400, "floor": 100}],
        },
    ],
    "category_targets": {"not_received": 1440, "size_issue": 720},
    "default_category_target": 960,
    "category_weights": {"dispute": 3.0, "usage_question": 0.5},
    "first_reply_target": {"urgent": 60, "high": 120, "normal": 480, "low": 1440},
}


def default_template() -> TemplateSpec:
    """The built-in default template (docs/metrics.md, "The built-in default template")."""
    return template_parse(DEFAULT_TEMPLATE_JSON)
