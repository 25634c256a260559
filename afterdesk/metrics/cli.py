"""Shared parsing for the metrics commands (docs/metrics.md, "Commands")."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.core.exports import cell_guard
from afterdesk.core.timeutil import parse_instant
from afterdesk.metrics.kpis import period_validate
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, TemplateSpec, template_parse


def parse_period(start: str, end: str) -> tuple[datetime, datetime]:
    try:
        period = parse_instant(start), parse_instant(end)
        period_validate(*period)
    except ValueError as exc:
        raise CommandError(f"--from/--to: {exc}") from exc
    except ValidationError as exc:
        raise CommandError(f"--{exc.field or 'from'}: {exc.message}") from exc
    return period


def load_template(reference: str | None) -> TemplateSpec:
    """A template from a JSON file, or the latest version of a stored template by id; the
    built-in default template (docs/metrics.md) when None."""
    data: Any
    if reference is None:
        data = DEFAULT_TEMPLATE_JSON
    elif Path(reference).is_file():
        try:
            data = json.loads(Path(reference).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"--template: cannot read {reference}: {exc}") from exc
    else:
        try:
            data = template_version_latest(key=reference).definition
        except NotFound as exc:
            raise CommandError(
                f"--template: {reference!r} is neither a file nor a stored template id"
            ) from exc
    try:
        return template_parse(data)
    except ValidationError as exc:
        raise CommandError(f"template: {exc.message}") from exc


def write_csv(out: Any, header: list[str], rows: list[list[object]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell_guard(cell) for cell in header])  # template category names
    for row in rows:
        writer.writerow([cell_guard(cell) for cell in row])
