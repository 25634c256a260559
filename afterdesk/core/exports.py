"""What every CSV and XLSX export shares: the cell guard against spreadsheet formula
injection (docs/reliability.md, "Web and API"), the cleaning of text for XLSX, the content
types and the download response.

The text cells of every export (the metrics commands, the report downloads, the payout
documents), header cells included, go through `cell_guard`: it first removes the control
characters (any Unicode "Cc" character but tab, LF and CR), which a spreadsheet or openpyxl
would drop or skip, so `\x01=HYPERLINK(…)` is seen as the `=HYPERLINK(…)` it would become;
then a text that starts with `=`, `+`, `-`, `@`, tab or CR gets a leading apostrophe, so a
spreadsheet shows it as text and never runs it as a formula.
"""

from __future__ import annotations

import re
from typing import TypeVar, overload

from django.http import HttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Unicode category Cc (C0, DEL and C1) except tab, LF and CR: a superset of the characters
# openpyxl refuses in a cell.
CONTROL_CHARACTERS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
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
    """A text without control characters, with a leading apostrophe when a spreadsheet
    would take it for a formula; any other value unchanged."""
    if not isinstance(value, str):
        return value
    text = CONTROL_CHARACTERS_RE.sub("", value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def xlsx_text(value: object) -> str:
    """A value as XLSX text: guarded (so without the control characters openpyxl refuses)."""
    return cell_guard(str(value))


def attachment(body: bytes | str, *, content_type: str, filename: str) -> HttpResponse:
    """A download: `body` as the file `filename`."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
