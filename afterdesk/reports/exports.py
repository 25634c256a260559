"""CSV and XLSX downloads of the KPIs (docs/metrics.md) and scorecards.

Two modes, as `afterdesk scorecard` (docs/metrics.md, "Positions and templates"):

- **own templates** (`template=None`, the default): each agent under the template assigned to
  them or to their position at the period's end; ranks restart within each template; agents
  without a template come last, unranked, with empty scores;
- **what-if** (`template=<spec>`): every agent under that one template.

Both formats carry the same table; both neutralise spreadsheet formula injection: a text cell
starting with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe. Numbers stay numbers
(floats, as in the JSON output of `afterdesk kpis`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.core.exports import CONTENT_TYPES, cell_guard, xlsx_text
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.assignments import AssignedTemplate, agent_templates
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.scorecards import ScorecardRow, report, scorecard_compute
from afterdesk.metrics.templates import TemplateSpec, default_template

FORMATS = tuple(CONTENT_TYPES)
OWN_MODE = "own templates: each agent under the template assigned to them or their position"
WHAT_IF_MODE = "what-if: every agent under one template"

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
    return cell_guard(str(value))


def _number(value: Fraction | Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _period(start: datetime, end: datetime) -> list[tuple[str, str]]:
    return [("from", format_instant(start)), ("to", format_instant(end))]


def _about_what_if(start: datetime, end: datetime, template: TemplateSpec) -> list[tuple[str, str]]:
    return [
        *_period(start, end),
        ("mode", WHAT_IF_MODE),
        ("template", template.id),
        ("template name", template.name),
    ]


def _about_own(
    start: datetime,
    end: datetime,
    in_use: Mapping[str, tuple[str, int | None]],
    own_template: str | None,
    unassigned: str,
) -> list[tuple[str, str]]:
    """The period, the mode, and each template in use: key → name and version."""
    about = [*_period(start, end), ("mode", OWN_MODE)]
    if own_template is not None:
        about.append(("only the agents of template", own_template))
    about.append(("assignments and versions", "those in force at the period's end"))
    for key in sorted(in_use):
        name, version = in_use[key]
        about.append((f"template {key}", f"{name}, version {version}"))
    about.append(("agents without a template", unassigned))
    return about


def _own_templates(end: datetime) -> dict[int, AssignedTemplate]:
    """Every agent with a template for a period ending at `end` → that template."""
    assigned = agent_templates(agent_ids=User.objects.values_list("pk", flat=True), end=end)
    return {agent_id: a for agent_id, a in assigned.items() if a is not None}


def mode_check(template: TemplateSpec | str | None, own_template: str | None) -> None:
    """`template` (what-if) and `own_template` (one group of own templates) exclude each other."""
    if own_template is not None and template is not None:
        raise ValidationError(
            "give either template (everyone under it) or own_template (one group), not both",
            field="own_template",
        )


def kpis_table(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> Table:
    """Every KPI (value and n) of every agent with data, as `afterdesk kpis --format csv`,
    agents by name, with the `template` whose parameters gave the template-dependent KPIs.

    Without `template`, each agent's own template (and a `position` column); agents without
    one get the built-in default template's parameters and an empty `template`. With
    `own_template`, only the agents whose own template it is. With `template`, everyone under
    it (what-if)."""
    mode_check(template, own_template)
    own = _own_templates(end) if template is None else {}
    values = compute_kpis(
        start=start,
        end=end,
        template=template or default_template(),
        agent_templates={agent_id: a.spec for agent_id, a in own.items()},
    )
    people = {
        pk: (username, position)
        for pk, username, position in User.objects.filter(pk__in=values).values_list(
            "pk", "username", "position"
        )
    }
    agents = sorted(values, key=lambda a: people[a][0])
    if template is None and own_template is not None:
        agents = [a for a in agents if a in own and own[a].key == own_template]
    kpi_columns = [f"{kpi}{suffix}" for kpi in KPI_IDS for suffix in ("", "_n")]
    lead = ["agent", "template"] if template is not None else ["agent", "template", "position"]
    rows: list[list[Cell]] = []
    for agent_id in agents:
        name, position = people[agent_id]
        line: list[Cell] = [name]
        if template is not None:
            line.append(template.id)
        else:
            line += [own[agent_id].key if agent_id in own else None, position]
        for kpi in KPI_IDS:
            line += [_number(values[agent_id][kpi].value), values[agent_id][kpi].n]
        rows.append(line)
    if template is not None:
        about = _about_what_if(start, end, template)
    else:
        in_use = {own[a].key: (own[a].name, own[a].version.number) for a in agents if a in own}
        about = _about_own(
            start, end, in_use, own_template, "the built-in default template's parameters"
        )
    return Table("KPIs", [*lead, *kpi_columns], rows, about)


SCORECARD_KPI_COLUMNS = ("", "_n", "_score", "_excluded", "_override")


def _union(lists: list[list[str]]) -> list[str]:
    seen: dict[str, None] = {}
    for names in lists:
        for name in names:
            seen.setdefault(name, None)
    return list(seen)


def scorecard_table(
    *,
    start: datetime,
    end: datetime,
    template: TemplateSpec | None = None,
    own_template: str | None = None,
) -> Table:
    """Rank, agent, template, total, category scores, and each KPI's value, n, score,
    exclusion reason and segment override (scores rounded half up to 2 decimals).

    With `template`: everyone under it (what-if), the template's categories and KPIs. Without:
    each agent under their own template, with a `position` column; rows grouped by template
    (ranked within it), agents without a template last with empty scores and rank; the
    category and KPI columns are those of every template in use, in order of first use (empty
    where the agent's template has no such category or KPI). `own_template` keeps one group."""
    mode_check(template, own_template)
    rows = scorecard_compute(start=start, end=end, template=template)
    if template is not None:
        categories = [c.name for c in template.categories]
        kpi_ids = template.kpi_ids
    else:
        if own_template is not None:  # ranked within their template already
            rows = [r for r in rows if r.template == own_template]
        scored = [r for r in rows if r.template is not None]
        categories = _union([list(r.categories) for r in scored])
        kpi_ids = _union([list(r.kpis) for r in scored])
    lead = ["rank", "agent", "template"] + ([] if template is not None else ["position"])
    header = [*lead, "total", *categories]
    header += [f"{kpi}{suffix}" for kpi in kpi_ids for suffix in SCORECARD_KPI_COLUMNS]
    lines = [_scorecard_line(row, template is None, categories, kpi_ids) for row in rows]
    if template is not None:
        about = _about_what_if(start, end, template)
    else:
        in_use = {r.template: (r.template_name, r.template_version) for r in rows if r.template}
        about = _about_own(start, end, in_use, own_template, "listed last, unscored")
    return Table("Scorecard", header, lines, about)


def _scorecard_line(
    row: ScorecardRow, own: bool, categories: list[str], kpi_ids: list[str]
) -> list[Cell]:
    line: list[Cell] = [row.rank, row.agent, row.template]
    if own:
        line.append(row.segment.role if row.segment else "")
    line.append(_number(report(row.total)))
    line += [_number(report(row.categories.get(name))) for name in categories]
    for kpi in kpi_ids:
        item = row.kpis.get(kpi)
        if item is None:  # not a KPI of this agent's template
            line += [None] * len(SCORECARD_KPI_COLUMNS)
            continue
        line += [
            _number(item.value),
            item.n,
            _number(report(item.score)),
            item.excluded,
            item.override,
        ]
    return line


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
    return xlsx_text(cell) if isinstance(cell, str) else cell


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
