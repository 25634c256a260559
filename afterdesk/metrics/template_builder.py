"""The scorecard template as a form (docs/metrics.md, "Editing a template in a form"): the
template's JSON definition read from and written to flat form fields, rows added and removed,
and a refusal of `template_parse` placed on the field it names.

The definition stays the one source of truth: the form only spells it as fields, and saving
goes through `template_parse`/`template_save` as the JSON editor, the import and the API do.
Field names: `id`, `name`, `min_samples`, `default_category_target`, `frt-<priority>`;
`cat-<i>-name|weight`, `cat-<i>-kpi-<j>-kpi|weight|target|floor`;
`ctarget-<i>-category|minutes`, `cweight-<i>-category|weight`;
`ovr-<i>-key|value|kpi|target|floor`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from afterdesk.metrics.templates import PRIORITIES, SEGMENT_KEYS, TemplateSpec

_INDEXED = re.compile(r"^(cat|ctarget|cweight|ovr)-(\d+)-(.+)$")
_KPI_FIELD = re.compile(r"^kpi-(\d+)-(kpi|weight|target|floor)$")
# A form index is at most this: rows beyond it are ignored (a form never has that many).
MAX_ROWS = 200
KPI_FIELDS = ("kpi", "weight", "target", "floor")


def _number(text: str) -> int | float | str | None:
    """A typed number as the JSON form holds it; "" is absent, anything else not a number is
    kept as text so that `template_parse` names the field ("must be a number")."""
    text = text.strip()
    if text.count(",") == 1 and "." not in text:  # a decimal comma: 0,85
        text = text.replace(",", ".")
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if value == value and abs(value) != float("inf") else text


def _rows(data: Mapping[str, str]) -> dict[str, dict[int, dict[str, str]]]:
    """Indexed fields grouped: {"cat": {0: {"name": …, "kpi-0-kpi": …}}, …}."""
    grouped: dict[str, dict[int, dict[str, str]]] = {
        "cat": {},
        "ctarget": {},
        "cweight": {},
        "ovr": {},
    }
    for name, value in data.items():
        match = _INDEXED.match(name)
        if match and int(match.group(2)) < MAX_ROWS:
            grouped[match.group(1)].setdefault(int(match.group(2)), {})[match.group(3)] = value
    return grouped


def _put(target: dict[str, Any], key: str, value: int | float | str | None) -> None:
    if value is not None:
        target[key] = value


def definition_from_fields(data: Mapping[str, str]) -> dict[str, Any]:
    """The JSON definition the form's fields spell; rows left entirely empty are dropped."""
    definition: dict[str, Any] = {
        "id": data.get("id", "").strip(),
        "name": data.get("name", "").strip(),
    }
    _put(definition, "min_samples", _number(data.get("min_samples", "")))
    rows = _rows(data)
    categories = []
    for index in sorted(rows["cat"]):
        fields = rows["cat"][index]
        kpis_by_index: dict[int, dict[str, str]] = {}
        for name, value in fields.items():
            if match := _KPI_FIELD.match(name):
                kpis_by_index.setdefault(int(match.group(1)), {})[match.group(2)] = value
        kpis = []
        for k_index in sorted(kpis_by_index):
            raw = kpis_by_index[k_index]
            if not any(raw.get(f, "").strip() for f in KPI_FIELDS):
                continue
            kpi: dict[str, Any] = {"kpi": raw.get("kpi", "").strip()}
            for key in ("weight", "target", "floor"):
                _put(kpi, key, _number(raw.get(key, "")))
            kpis.append(kpi)
        name = fields.get("name", "").strip()
        if not name and not kpis and not fields.get("weight", "").strip():
            continue
        category: dict[str, Any] = {"name": name}
        _put(category, "weight", _number(fields.get("weight", "")))
        category["kpis"] = kpis
        categories.append(category)
    definition["categories"] = categories
    for prefix, key, value_field in (
        ("ctarget", "category_targets", "minutes"),
        ("cweight", "category_weights", "weight"),
    ):
        mapping: dict[str, Any] = {}
        for index in sorted(rows[prefix]):
            fields = rows[prefix][index]
            category_name = fields.get("category", "").strip()
            typed = _number(fields.get(value_field, ""))
            if category_name or typed is not None:
                mapping[category_name] = typed
        if mapping:
            definition[key] = mapping
    _put(definition, "default_category_target", _number(data.get("default_category_target", "")))
    first_reply = {
        priority: minutes
        for priority in PRIORITIES
        if (minutes := _number(data.get(f"frt-{priority}", ""))) is not None
    }
    if first_reply:
        definition["first_reply_target"] = first_reply
    overrides = []
    for index in sorted(rows["ovr"]):
        fields = rows["ovr"][index]
        if not any(text.strip() for text in fields.values()):
            continue
        override: dict[str, Any] = {
            "segment": {fields.get("key", "").strip(): fields.get("value", "").strip()},
            "kpi": fields.get("kpi", "").strip(),
        }
        for key in ("target", "floor"):
            _put(override, key, _number(fields.get(key, "")))
        overrides.append(override)
    if overrides:
        definition["segment_overrides"] = overrides
    return definition


def _text(value: object) -> str:
    return "" if value is None else str(value)


def fields_from_definition(definition: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields for a stored definition (the inverse of `definition_from_fields`)."""
    fields = {
        "id": _text(definition.get("id")),
        "name": _text(definition.get("name")),
        "min_samples": _text(definition.get("min_samples")),
        "default_category_target": _text(definition.get("default_category_target")),
    }
    for priority in PRIORITIES:
        fields[f"frt-{priority}"] = _text(definition.get("first_reply_target", {}).get(priority))
    for index, category in enumerate(definition.get("categories") or []):
        fields[f"cat-{index}-name"] = _text(category.get("name"))
        fields[f"cat-{index}-weight"] = _text(category.get("weight"))
        for k_index, kpi in enumerate(category.get("kpis") or []):
            for key in KPI_FIELDS:
                fields[f"cat-{index}-kpi-{k_index}-{key}"] = _text(kpi.get(key))
    for prefix, key, value_field in (
        ("ctarget", "category_targets", "minutes"),
        ("cweight", "category_weights", "weight"),
    ):
        for index, (name, value) in enumerate((definition.get(key) or {}).items()):
            fields[f"{prefix}-{index}-category"] = name
            fields[f"{prefix}-{index}-{value_field}"] = _text(value)
    for index, override in enumerate(definition.get("segment_overrides") or []):
        segment = override.get("segment") or {}
        key, value = next(iter(segment.items()), ("", ""))
        fields[f"ovr-{index}-key"] = _text(key)
        fields[f"ovr-{index}-value"] = _text(value)
        for name in ("kpi", "target", "floor"):
            fields[f"ovr-{index}-{name}"] = _text(override.get(name))
    return fields


def definition_edit(definition: dict[str, Any], operation: str) -> dict[str, Any]:
    """A row added or removed (`add-category`, `add-kpi-<i>`, `remove-category-<i>`,
    `remove-kpi-<i>-<j>`, `add-ctarget`, `add-cweight`, `add-override`, `remove-ctarget-<i>`,
    `remove-cweight-<i>`, `remove-override-<i>`). An empty new row is kept by the form (it is
    spelled with empty fields), not by the definition: see `BuilderRows.extra`."""
    categories = definition.setdefault("categories", [])
    parts = operation.split("-")
    if operation.startswith("remove-category-") and parts[2].isdigit():
        index = int(parts[2])
        if index < len(categories):
            del categories[index]
    elif operation.startswith("remove-kpi-") and len(parts) == 4 and parts[2].isdigit():
        index, k_index = int(parts[2]), int(parts[3]) if parts[3].isdigit() else -1
        if index < len(categories) and 0 <= k_index < len(categories[index]["kpis"]):
            del categories[index]["kpis"][k_index]
    elif operation.startswith("remove-override-") and parts[2].isdigit():
        overrides = definition.get("segment_overrides", [])
        if int(parts[2]) < len(overrides):
            del overrides[int(parts[2])]
    else:
        for prefix, key in (("ctarget", "category_targets"), ("cweight", "category_weights")):
            if operation.startswith(f"remove-{prefix}-") and parts[2].isdigit():
                mapping = definition.get(key, {})
                names = list(mapping)
                if int(parts[2]) < len(names):
                    del mapping[names[int(parts[2])]]
    return definition


@dataclass(frozen=True)
class BuilderRows:
    """How many rows of each kind the form shows: the definition's, plus one empty row where
    the user asked for one (`add-…`)."""

    categories: list[int]  # KPI rows per category
    category_targets: int
    category_weights: int
    overrides: int

    @classmethod
    def of(cls, definition: Mapping[str, Any], operation: str = "") -> BuilderRows:
        kpis = [len(category.get("kpis") or []) for category in definition.get("categories") or []]
        if operation == "add-category" or not kpis:
            kpis.append(1)
        parts = operation.split("-")
        if operation.startswith("add-kpi-") and parts[2].isdigit() and int(parts[2]) < len(kpis):
            kpis[int(parts[2])] += 1
        return cls(
            categories=kpis,
            category_targets=len(definition.get("category_targets") or {})
            + (operation == "add-ctarget"),
            category_weights=len(definition.get("category_weights") or {})
            + (operation == "add-cweight"),
            overrides=len(definition.get("segment_overrides") or [])
            + (operation == "add-override"),
        )


_PARSE_FIELD = re.compile(r"^categories\[(\d+)\](?:\.kpis\[(\d+)\])?\.?(\w*)$")
_OVERRIDE_FIELD = re.compile(r"^segment_overrides\[(\d+)\]\.?(\w*)$")


def form_field_of(parse_field: str | None) -> str | None:
    """The form field a `template_parse` refusal names (`categories[1].kpis[0].weight` →
    `cat-1-kpi-0-weight`), or None when it names no single field."""
    if not parse_field:
        return None
    if parse_field in ("id", "name", "min_samples", "default_category_target"):
        return parse_field
    if parse_field.startswith("first_reply_target."):
        return "frt-" + parse_field.split(".", 1)[1]
    if match := _PARSE_FIELD.match(parse_field):
        index, k_index, key = match.groups()
        if k_index is not None:
            return f"cat-{index}-kpi-{k_index}-{key or 'kpi'}"
        return f"cat-{index}-{key}" if key in ("name", "weight") else f"cat-{index}-name"
    if match := _OVERRIDE_FIELD.match(parse_field):
        index, key = match.groups()
        return f"ovr-{index}-{'key' if key in ('', 'segment') else key}"
    return None


@dataclass(frozen=True)
class WeightShare:
    name: str
    percent: Fraction
    kpis: list[tuple[str, Fraction]]


def weight_shares(spec: TemplateSpec) -> list[WeightShare]:
    """Each category's share of the total and each KPI's share of its category, in percent:
    weights are relative (a weighted mean), so 35/50/15 and 7/10/3 score the same."""
    total = sum((category.weight for category in spec.categories), Fraction(0))
    shares = []
    for category in spec.categories:
        kpi_total = sum((kpi.weight for kpi in category.kpis), Fraction(0))
        shares.append(
            WeightShare(
                name=category.name,
                percent=category.weight * 100 / total,
                kpis=[
                    (kpi.kpi, kpi.weight * 100 / kpi_total if kpi_total else Fraction(0))
                    for kpi in category.kpis
                ],
            )
        )
    return shares


SEGMENT_CHOICES = SEGMENT_KEYS
