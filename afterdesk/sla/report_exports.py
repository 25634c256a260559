"""The SLA reports as downloads (docs/sla.md, "Reports"): the % met table, its breaches and the
pending-abuse flags, each as CSV or XLSX. Every text cell goes through `core.exports`'
formula guard, numbers stay numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from afterdesk.core.exports import CONTENT_TYPES, attachment, cell_guard, xlsx_text
from afterdesk.core.timeutil import format_instant
from afterdesk.sla.clock import TARGETS
from afterdesk.sla.reports import PendingFlag, ReportRow

Cell = str | int | float | None
FORMATS = tuple(CONTENT_TYPES)


@dataclass(frozen=True)
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Cell]]


def report_sheets(rows: list[ReportRow], *, by: str) -> list[Sheet]:
    """Two sheets: one line per group and target with clocks, and one line per breach."""
    figures: list[list[Cell]] = []
    for row in rows:
        for target in TARGETS:
            f = row.targets[target]
            if f.decided:
                rate = f.met_rate
                figures.append(
                    [
                        row.key,
                        target,
                        f.decided,
                        f.met,
                        round(rate, 4) if rate is not None else None,
                    ]
                )
    breaches: list[list[Cell]] = [
        [row.key, ticket_id, ticket, target, due]
        for row in rows
        for ticket_id, (ticket, target, due) in zip(row.breach_ids, row.breaches, strict=True)
    ]
    return [
        Sheet("met", [by, "target", "clocks", "met", "met_rate"], figures),
        Sheet("breaches", [by, "ticket_id", "ticket", "target", "due"], breaches),
    ]


def abuse_sheets(flags: list[PendingFlag]) -> list[Sheet]:
    header = ["agent", "ticket_id", "ticket", "target", "pending_at", "due", "back_at"]
    rows: list[list[Cell]] = [
        [
            f.agent,
            f.ticket_id,
            f.ticket,
            f.target,
            format_instant(f.pending_at),
            format_instant(f.due),
            format_instant(f.back_at),
        ]
        for f in flags
    ]
    return [Sheet("pending abuse", header, rows)]


def _csv(sheets: list[Sheet]) -> str:
    """The sheets one after the other, a blank line between them."""
    out = io.StringIO()
    writer = csv.writer(out)
    for index, sheet in enumerate(sheets):
        if index:
            writer.writerow([])
        writer.writerow([cell_guard(h) for h in sheet.header])
        writer.writerows([[cell_guard(c) for c in row] for row in sheet.rows])
    return out.getvalue()


def _xlsx(sheets: list[Sheet]) -> bytes:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = book.create_sheet(sheet.title)
        ws.append([xlsx_text(h) for h in sheet.header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([xlsx_text(c) if isinstance(c, str) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(
    sheets: list[Sheet], *, fmt: str, stem: str, start: datetime, end: datetime
) -> HttpResponse:
    """The sheets as a `fmt` (csv or xlsx) attachment named after the report and its period."""
    name = f"{stem}-{start.date().isoformat()}-{end.date().isoformat()}.{fmt}"
    body: bytes | str = _csv(sheets) if fmt == "csv" else _xlsx(sheets)
    return attachment(body, content_type=CONTENT_TYPES[fmt], filename=name)
