"""Exports of a payout document (a preview or a frozen statement): JSON, CSV, XLSX and a text
table. Every text cell goes through `core.exports.cell_guard`, in CSV and XLSX alike, so a
name such as `=HYPERLINK(…)` is shown as text and never run as a formula (docs/bonuses.md,
"Exports").

Statements frozen before rules had targets have `rule.role` instead of `target_kind` and
lines without `position` and `template`: those cells are empty."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from afterdesk.core import exports as core_exports
from afterdesk.core.exports import cell_guard, xlsx_text

MONEY_FORMAT = "#,##0.00"
CONTENT_TYPES = {"json": "application/json", **core_exports.CONTENT_TYPES}


def extra_names(document: dict[str, Any]) -> list[str]:
    return [extra["name"] for extra in document["rule"]["definition"]["extras"]]


def target_label(rule: dict[str, Any]) -> str:
    """Whom the rule pays, as the document says it."""
    kind = rule.get("target_kind")
    if kind == "position":
        return f"position {rule['position']}"
    if kind == "template":
        return f"template {rule['template']}"
    return f"role {rule.get('role', '')}"  # a statement frozen before targets


def has_allowances(document: dict[str, Any]) -> bool:
    """A rule paying certification allowances (docs/bonuses.md): two more columns."""
    return bool(document["rule"]["definition"].get("certification_allowances"))


def payout_header(document: dict[str, Any]) -> list[str]:
    header = ["agent", "position", "template", "total", "rank", "tier", "tier_amount"]
    header += ["tier_reason", "gate_passed"]
    for name in extra_names(document):
        header += [f"{name}_paid", f"{name}_amount", f"{name}_reason"]
    if has_allowances(document):
        header += ["allowances", "allowances_amount"]
    return [*header, "amount", "currency"]


def payout_rows(document: dict[str, Any]) -> list[list[object]]:
    """One row per agent; money as Decimal, so nothing is lost on the way to a cell."""
    currency = document["rule"]["currency"]
    names = extra_names(document)
    rows: list[list[object]] = []
    for line in document["lines"]:
        row: list[object] = [
            line["agent"],
            line.get("position"),
            line.get("template"),
            Decimal(line["total"]) if line["total"] is not None else None,
            line["rank"],
            line["tier"],
            Decimal(line["tier_amount"]),
            line["tier_reason"],
            line["gate_passed"],
        ]
        extras = {extra["name"]: extra for extra in line["extras"]}
        for name in names:
            extra = extras.get(name)
            if extra is None:
                row += [None, None, None]
            else:
                row += [extra["paid"], Decimal(extra["paid_amount"]), extra["reason"]]
        if has_allowances(document):
            paid = [a for a in line.get("allowances", []) if a["paid"]]
            row += [
                "; ".join(a["certification"] for a in paid),
                sum((Decimal(a["paid_amount"]) for a in paid), Decimal("0.00")),
            ]
        rows.append([*row, Decimal(line["amount"]), currency])
    return rows


def excluded_rows(document: dict[str, Any]) -> list[list[object]]:
    """The agents of a position rule not paid by it, with the reason."""
    return [
        [item["agent"], item["position"], item["template"], item["reason"]]
        for item in document.get("excluded", [])
    ]


def summary_rows(document: dict[str, Any]) -> list[list[object]]:
    summary = document["summary"]
    if summary is None:
        return []
    rule, period = document["rule"], document["period"]

    def money(value: str | None) -> Decimal | None:
        return Decimal(value) if value is not None else None

    rows: list[list[object]] = [
        ["rule", rule["name"]],
        ["target", target_label(rule)],
        ["template", f"{rule['template']} v{rule['template_version']}"],
        ["from", period["from"]],
        ["to", period["to"]],
        ["currency", summary["currency"]],
        ["agents", summary["agents"]],
        ["paid_agents", summary["paid_agents"]],
        ["not_eligible", summary.get("excluded")],
        ["total", money(summary["total"])],
        ["budget", money(summary["budget"])],
        ["labour_cost", money(summary["labour_cost"])],
        ["labour_share", money(summary["labour_share"])],
        ["max_share", money(summary["max_share"])],
    ]
    rows += [["warning", f"{w['code']}: {w['message']}"] for w in summary["warnings"]]
    return rows


def _text(cell: object) -> object:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    return cell_guard(str(cell))


def payout_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


def payout_csv(document: dict[str, Any]) -> str:
    """The lines, one row per paid agent (the rule summary and the agents not eligible are
    in JSON, XLSX and the table)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_text(cell) for cell in payout_header(document)])
    for row in payout_rows(document):
        writer.writerow([_text(cell) for cell in row])
    return out.getvalue()


def payout_table(document: dict[str, Any]) -> str:
    """The lines (an empty cell is "-"), the agents not eligible, then the summary."""
    header = ["agent", "position", "template", "total", "tier", "tier_amount", "extras", "amount"]
    cells = [header]
    for line in document["lines"]:
        paid = [e["name"] for e in line["extras"] if e["paid"]]
        cells.append(
            [
                line["agent"],
                line.get("position") or "-",
                line.get("template") or "-",
                line["total"] or "",
                line["tier"] or "",
                line["tier_amount"],
                ", ".join(paid),
                line["amount"],
            ]
        )
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    text = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]
    excluded = excluded_rows(document)
    if excluded:
        text += ["", "not eligible:"]
        for agent, position, template, reason in excluded:
            text.append(f"  {agent} ({position or '-'}, template {template or '-'}): {reason}")
    summary = summary_rows(document)
    if summary:
        text.append("")
        text += [f"{key}: {'' if value is None else value}" for key, value in summary]
    return "\n".join(text) + "\n"


def _xlsx_cell(cell: object) -> object:
    if cell is None or isinstance(cell, bool | int | Decimal):
        return cell
    return xlsx_text(cell)


def _exponent(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def _sheet(sheet: Worksheet, header: list[str] | None, rows: list[list[object]]) -> None:
    if header:
        sheet.append([_xlsx_cell(c) for c in header])
    for row in rows:
        sheet.append([_xlsx_cell(c) for c in row])
    for column in sheet.iter_cols():
        for cell in column:
            if isinstance(cell.value, Decimal) and _exponent(cell.value) >= -2:
                cell.number_format = MONEY_FORMAT  # never hides a digit: ≤ 2 decimals
            if cell.data_type == "f":  # pragma: no cover - cell_guard leaves no formula
                cell.data_type = "s"


def payout_xlsx(document: dict[str, Any]) -> bytes:
    """A workbook with four sheets: Payouts (a row per agent), Conditions (every condition
    checked, with the value, n and why), Not eligible (agents of the position scored under
    another template, with the reason) and Summary (budget, labour share, warnings)."""
    workbook = Workbook()
    payouts = workbook.active
    assert payouts is not None  # noqa: S101 - a new workbook always has one sheet
    payouts.title = "Payouts"
    _sheet(payouts, payout_header(document), payout_rows(document))
    conditions = workbook.create_sheet("Conditions")
    header = ["agent", "applies_to", "kind", "kpi", "op", "threshold", "value", "n", "excluded"]
    _sheet(conditions, [*header, "holds", "explanation"], _condition_rows(document))
    not_eligible = workbook.create_sheet("Not eligible")
    _sheet(not_eligible, ["agent", "position", "template", "reason"], excluded_rows(document))
    _sheet(workbook.create_sheet("Summary"), None, summary_rows(document))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _condition_rows(document: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for line in document["lines"]:
        groups = [("gate", line["gate"])] + [(e["name"], e["conditions"]) for e in line["extras"]]
        for applies_to, results in groups:
            for c in results:
                value = Decimal(str(c["value"])) if c["value"] is not None else None
                rows.append(
                    [
                        line["agent"],
                        applies_to,
                        c["kind"],
                        c["kpi"],
                        c["op"],
                        Decimal(c["threshold"]),
                        value,
                        c["n"],
                        c["excluded"],
                        c["holds"],
                        c["explanation"],
                    ]
                )
    return rows


# The downloadable formats of a payout document, each with its renderer (CONTENT_TYPES).
RENDERERS: dict[str, Callable[[dict[str, Any]], str | bytes]] = {
    "csv": payout_csv,
    "xlsx": payout_xlsx,
    "json": payout_json,
}
