"""What every CSV and XLSX export shares: the cell guard against spreadsheet formula
injection (docs/reliability.md, "Web and API"), the cleaning of text for XLSX, the content
types and the download response.

The text cells of every export (the metrics commands, the report downloads, the payout
documents) go through `cell_guard`: a text that starts with `=`, `+`, `-`, `@`, tab or CR gets
a leading apostrophe, so a spreadsheet shows it as text and never runs it as a formula.
"""

from __future__ import annotations

from typing import TypeVar, overload

from django.http import HttpResponse
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


T = TypeVar("T")


@overload
def cell_guard(value: str) -> str: ...
@overload
def cell_guard(value: T) -> T: ...
def cell_guard(value: object) -> object:
    """A text that a spreadsheet would take for a formula, with a leading apostrophe; any
    other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def xlsx_text(value: object) -> str:
    """A value as XLSX text: guarded, then without the control characters openpyxl refuses."""
    return ILLEGAL_CHARACTERS_RE.sub("", cell_guard(str(value)))


def attachment(body: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    """A download: `body` as the file `filename`."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
