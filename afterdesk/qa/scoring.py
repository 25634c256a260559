"""Rubric validation and the review score (docs/qa.md, "Scoring"): pure functions, no queries.

A category's score is (selected − lowest) / (highest − lowest) × 100 on its scale; the review's
score is the mean of the rated categories' scores weighted by their weights (N/A categories
left out); a critical category scored under 50 makes the whole review 0."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from afterdesk.core.errors import ValidationError
from afterdesk.qa.models import SCALE_RANGE, Category, Check

CRITICAL_BELOW = 50.0
MAX_CATEGORIES = 30


@dataclass(frozen=True)
class CategorySpec:
    name: str
    weight: Decimal
    scale: str
    critical: bool = False
    allow_na: bool = True
    check: str = ""
    description: str = ""


def categories_validate(raw: Sequence[Mapping[str, Any]]) -> list[CategorySpec]:
    """A rubric's categories, checked: at least one, names unique, known scales and checks,
    weights from 0 to 1000 summing to more than 0."""
    if not raw:
        raise ValidationError("a rubric needs at least one category", field="categories")
    if len(raw) > MAX_CATEGORIES:
        raise ValidationError(f"at most {MAX_CATEGORIES} categories", field="categories")
    specs: list[CategorySpec] = []
    names: set[str] = set()
    for index, item in enumerate(raw, start=1):
        name = str(item.get("name") or "").strip()
        if not name or len(name) > 100:
            raise ValidationError(
                f"category {index}: a name of 1 to 100 characters", field="categories"
            )
        if name.casefold() in names:
            raise ValidationError(f"category {name!r} appears twice", field="categories")
        names.add(name.casefold())
        try:
            weight = Decimal(str(item.get("weight")))
        except (InvalidOperation, ValueError):
            raise ValidationError(
                f"category {name!r}: the weight is not a number", field="categories"
            ) from None
        if not weight.is_finite() or not Decimal(0) <= weight <= Decimal(1000):
            raise ValidationError(
                f"category {name!r}: the weight must be 0 to 1000", field="categories"
            )
        scale = str(item.get("scale") or "")
        if scale not in SCALE_RANGE:
            raise ValidationError(f"category {name!r}: unknown scale {scale!r}", field="categories")
        check = str(item.get("check") or "")
        if check not in Check.values:
            raise ValidationError(f"category {name!r}: unknown check {check!r}", field="categories")
        specs.append(
            CategorySpec(
                name=name,
                weight=weight.quantize(Decimal("0.01")),
                scale=scale,
                critical=bool(item.get("critical", False)),
                allow_na=bool(item.get("allow_na", True)),
                check=check,
                description=str(item.get("description") or "")[:300],
            )
        )
    if sum(spec.weight for spec in specs) <= 0:
        raise ValidationError("the category weights sum to 0", field="categories")
    return specs


def category_score(category: Category, value: int) -> float:
    low, high = SCALE_RANGE[category.scale]
    return (value - low) / (high - low) * 100


@dataclass(frozen=True)
class ScoreResult:
    score: float
    critical_failed: bool


def review_score(categories: Sequence[Category], values: Mapping[int, int | None]) -> ScoreResult:
    """The score of ratings `values` (category id → selected value, None for N/A) under the
    rubric's `categories`; every category must be rated or N/A where allowed."""
    weighted = 0.0
    weights = 0.0
    critical_failed = False
    for category in categories:
        if category.pk not in values:
            raise ValidationError(f"rate {category.name!r} (or mark it N/A)", field="ratings")
        value = values[category.pk]
        if value is None:
            if not category.allow_na:
                raise ValidationError(f"{category.name!r} may not be N/A", field="ratings")
            continue
        if isinstance(value, bool) or value not in category.values:
            raise ValidationError(
                f"{category.name!r}: {value!r} is not on its scale {category.scale}",
                field="ratings",
            )
        score = category_score(category, value)
        if category.critical and score < CRITICAL_BELOW:
            critical_failed = True
        weighted += float(category.weight) * score
        weights += float(category.weight)
    unknown = set(values) - {category.pk for category in categories}
    if unknown:
        raise ValidationError(
            f"categories {sorted(unknown)} are not in this rubric", field="ratings"
        )
    if weights <= 0:
        raise ValidationError("rate at least one category with a weight", field="ratings")
    if critical_failed:
        return ScoreResult(0.0, True)
    return ScoreResult(round(weighted / weights, 4), False)
