"""CSV and XLSX downloads of the KPIs (METRICS.md §4) and scorecards (§5, §6).

Both formats carry the same table; both neutralise spreadsheet formula injection
(RELIABILITY.md): a text cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
apostrophe. Numbers stay numbers (floats, as in the JSON output of `afterdesk kpis`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.cli import csv_cell
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.scorecards import report, scorecard_compute
from afterdesk.metrics.templates import TemplateSpec

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One exported sheet: a title, a header row and data rows, plus what it was made from."""

    title: str
    header: list[str]
    rows: list[list[Cell]]
    about: list[tuple[str, str]]


def safe_cell(value: object) -> Cell:
    """A cell value safe for CSV and XLSX: formulas neutralised, numbers kept numeric."""
    if value is None or isinstance(value, bool):
        return None if value is None else int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Fraction | Decimal):
        return float(value)
    return str(csv_cell(str(value)))


def _number(value: Fraction | Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _about(start: datetime, end: datetime, template: TemplateSpec) -> list[tuple[str, str]]:
    return [
        ("from", format_instant(start)),
        ("to", format_instant(end)),
        ("template", template.id),
        ("template name", template.name),
    ]


def kpis_table(*, start: datetime, end: datetime, template: TemplateSpec) -> Table:
    """Every KPI (value and n) of every agent with data, as `afterdesk kpis --format csv`."""
    values = compute_kpis(start=start, end=end, template=template)
    names = dict(User.objects.filter(pk__in=values).values_list("pk", "username"))
    header = ["agent"] + [f"{kpi}{suffix}" for kpi in KPI_IDS for suffix in ("", "_n")]
    rows: list[list[Cell]] = []
    for agent_id in sorted(values, key=lambda a: names[a]):
        line: list[Cell] = [names[agent_id]]
        for kpi in KPI_IDS:
            line += [_number(values[agent_id][kpi].value), values[agent_id][kpi].n]
        rows.append(line)
    return Table("KPIs", header, rows, _about(start, end, template))


SCORECARD_KPI_COLUMNS = ("", "_n", "_score", "_excluded", "_override")


def scorecard_table(*, start: datetime, end: datetime, template: TemplateSpec) -> Table:
    """Rank, agent, total, category scores, and each template KPI's value, n, score,
    exclusion reason and segment override (scores rounded half up to 2 decimals, §5)."""
    categories = [c.name for c in template.categories]
    kpi_ids = template.kpi_ids
    header = ["rank", "agent", "total", *categories]
    header += [f"{kpi}{suffix}" for kpi in kpi_ids for suffix in SCORECARD_KPI_COLUMNS]
    rows: list[list[Cell]] = []
    for row in scorecard_compute(start=start, end=end, template=template):
        line: list[Cell] = [row.rank, row.agent, _number(report(row.total))]
        line += [_number(report(row.categories[name])) for name in categories]
        for kpi in kpi_ids:
            item = row.kpis[kpi]
            line += [
                _number(item.value),
                item.n,
                _number(report(item.score)),
                item.excluded,
                item.override,
            ]
        rows.append(line)
    return Table("Scorecard", header, rows, _about(start, end, template))


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read non-Latin names right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in table.header])
    for row in table.rows:
        writer.writerow([safe_cell(c) for c in row])
    return out.getvalue().encode("utf-8-sig")


def _xlsx_text(value: Cell) -> Cell:
    """openpyxl refuses control characters in text; drop them (after neutralising)."""
    cell = safe_cell(value)
    if isinstance(cell, str):
        return ILLEGAL_CHARACTERS_RE.sub("", cell)
    return cell


def _append(sheet: Worksheet, values: Sequence[Cell]) -> None:
    sheet.append([_xlsx_text(v) for v in values])


def table_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = table.title
    _append(sheet, table.header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        _append(sheet, row)
    sheet.freeze_panes = "C2" if table.header[:2] == ["rank", "agent"] else "B2"
    about = workbook.create_sheet("About")
    for key, value in table.about:
        _append(about, [key, value])
    # A string cell is stored as an inline/shared string, never as a formula: openpyxl treats
    # a str starting with "=" as a formula, which safe_cell has already prefixed with "'".
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_render(table: Table, fmt: str) -> bytes:
    if fmt == "csv":
        return table_csv(table)
    if fmt == "xlsx":
        return table_xlsx(table)
    raise ValidationError(f"format must be one of {', '.join(FORMATS)}", field="format")
