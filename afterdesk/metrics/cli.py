"""Shared parsing for the metrics commands (METRICS.md §6)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import parse_instant
from afterdesk.metrics.kpis import period_validate
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, ScorecardTemplate, template_parse


def parse_period(start: str, end: str) -> tuple[datetime, datetime]:
    try:
        period = parse_instant(start), parse_instant(end)
        period_validate(*period)
    except ValueError as exc:
        raise CommandError(f"--from/--to: {exc}") from exc
    except ValidationError as exc:
        raise CommandError(f"--{exc.field or 'from'}: {exc.message}") from exc
    return period


def load_template(reference: str | None) -> ScorecardTemplate:
    """A template from a JSON file, or a built-in id; the default template when None."""
    if reference is None or reference == DEFAULT_TEMPLATE_JSON["id"]:
        data: Any = DEFAULT_TEMPLATE_JSON
    else:
        path = Path(reference)
        if not path.is_file():
            raise CommandError(f"--template: no template file or known id {reference!r}")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"--template: cannot read {reference}: {exc}") from exc
    try:
        return template_parse(data)
    except ValidationError as exc:
        raise CommandError(f"template: {exc.message}") from exc


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection (RELIABILITY.md)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv(out: Any, header: list[str], rows: list[list[object]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
