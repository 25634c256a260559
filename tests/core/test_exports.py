"""The one cell guard of every CSV and XLSX export (docs/reliability.md, "Web and API")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from afterdesk.core.exports import attachment, cell_guard, xlsx_text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("anna", "anna"),
        ("a=1", "a=1"),
        ("", ""),
        (" =1", " =1"),  # only the first character counts
        ("'=1", "'=1"),  # a guarded cell stays as it is
        # control characters are stripped before the check: a spreadsheet would drop them
        ("\x01=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("\x00\x1f+1", "'+1"),
        ("\x7f@SUM(A1)", "'@SUM(A1)"),
        ("\x85-1", "'-1"),
        ("\x01\tx", "'\tx"),
        ("a\x01b\x1bc", "abc"),
        ("a\tb\nc", "a\tb\nc"),  # tab and line breaks inside a text stay
        (-1.5, -1.5),
        (3, 3),
        (Decimal("-2"), Decimal("-2")),
        (None, None),
        (True, True),
    ],
)
def test_cell_guard(value: object, expected: object) -> None:
    assert cell_guard(value) == expected
    assert type(cell_guard(value)) is type(expected)


def test_xlsx_text_is_guarded_without_control_characters() -> None:
    assert xlsx_text("=1") == "'=1"
    assert xlsx_text(-3) == "'-3"
    assert xlsx_text("a\x00b\x1fc") == "abc"
    assert xlsx_text("\x01=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert xlsx_text("\x0b\x0c=1") == "'=1"


def test_attachment_names_the_file() -> None:
    response = attachment(b"a,b\n", content_type="text/csv; charset=utf-8", filename="x.csv")
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == b"a,b\n"
