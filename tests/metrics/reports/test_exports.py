"""KPI and scorecard downloads: read back as CSV and with openpyxl, formulas neutralised."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.reports.exports import safe_cell
from afterdesk.metrics.reports.services import kpis_export, scorecard_export, template_get
from tests.factories import UserFactory

from .builders import WEEK_END, WEEK_START, review_template, solved

pytestmark = pytest.mark.django_db
T = WEEK_START + timedelta(days=1)


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8 right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes, sheet: str) -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(body))
    cells = workbook[sheet]
    for row in cells.iter_rows():
        for cell in row:
            assert cell.data_type != "f"  # no formula anywhere
    return [list(row) for row in cells.iter_rows(values_only=True)]


@pytest.fixture
def history() -> None:
    anna, evil = UserFactory(username="anna"), UserFactory(username="=HYPERLINK(1)")
    solved(anna, created=T, reply_minutes=30, rating=5)
    solved(anna, created=T, reply_minutes=90, rating=3)
    solved(evil, created=T, reply_minutes=60)


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
        (-1.5, -1.5),
        (3, 3),
        (None, None),
    ],
)
def test_safe_cell(value: object, expected: object) -> None:
    assert safe_cell(value) == expected


@pytest.mark.usefixtures("history")
def test_kpis_csv_reads_back() -> None:
    template = template_get(key=None)
    rows = read_csv(kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="csv"))
    header = rows[0]
    assert header[:3] == ["agent", "first_reply_time", "first_reply_time_n"]
    assert len(header) == 1 + 2 * len(KPI_IDS)
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "anna"]
    anna = dict(zip(header, rows[2], strict=True))
    assert float(anna["first_reply_time"]) == 60.0
    assert anna["first_reply_time_n"] == "2"
    assert float(anna["csat_rate"]) == 0.5
    assert anna["qa_score"] == ""
    assert anna["qa_score_n"] == "0"


@pytest.mark.usefixtures("history")
def test_kpis_xlsx_reads_back_with_numbers() -> None:
    template = template_get(key=None)
    body = kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="xlsx")
    rows = read_xlsx(body, "KPIs")
    header = rows[0]
    evil, anna = (dict(zip(header, r, strict=True)) for r in rows[1:])
    assert evil["agent"] == "'=HYPERLINK(1)"
    assert anna["first_reply_time"] == 60.0
    assert isinstance(anna["first_reply_time_n"], int)
    assert anna["csat_avg"] == 4.0
    assert anna["qa_score"] is None
    about = {str(k): v for k, v in read_xlsx(body, "About")}
    assert about["from"] == "2026-10-05T00:00:00Z"
    assert about["template"] == "first_line"


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_scorecard_export_has_rank_categories_and_kpi_details(fmt: str) -> None:
    template = review_template()
    body = scorecard_export(start=WEEK_START, end=WEEK_END, template=template, fmt=fmt)
    rows: list[list[object]]
    rows = [list(r) for r in read_csv(body)] if fmt == "csv" else read_xlsx(body, "Scorecard")
    header = [str(h) for h in rows[0]]
    assert header[:6] == ["rank", "agent", "total", "efficiency", "quality", "cost"]
    for suffix in ("", "_n", "_score", "_excluded", "_override"):
        assert f"csat_rate{suffix}" in header
    lines = {str(r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(lines) == ["'=HYPERLINK(1)", "anna"]  # ranked: no ratings beats poor ones
    anna, evil = lines["anna"], lines["'=HYPERLINK(1)"]
    assert (str(evil["rank"]), str(anna["rank"])) == ("1", "2")
    assert float(str(anna["first_reply_time_business_score"])) == pytest.approx(85.71)
    assert "qa_score_excluded" not in anna  # only the template's KPIs
    # the evil agent has no ratings: csat is excluded with the reason, in both formats
    assert evil["csat_rate_excluded"] == "no data"
    assert float(str(anna["csat_rate"])) == 0.5
    assert anna["csat_rate_excluded"] in ("", None)
    if fmt == "xlsx":
        assert isinstance(anna["total"], int | float)
        assert isinstance(anna["csat_rate_n"], int)
        assert isinstance(anna["csat_rate"], float)


def test_unknown_format_is_refused() -> None:
    template = template_get(key=None)
    with pytest.raises(ValidationError, match="csv or xlsx"):
        kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="ods")
    with pytest.raises(ValidationError, match="csv or xlsx"):
        scorecard_export(start=WEEK_START, end=WEEK_END, template=template, fmt="pdf")


def test_control_characters_do_not_break_the_workbook() -> None:
    solved(UserFactory(username="bad\x01name"), created=T, reply_minutes=5)
    template = template_get(key=None)
    rows = read_xlsx(
        kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="xlsx"), "KPIs"
    )
    assert rows[1][0] == "badname"


def test_empty_period_exports_the_header_only() -> None:
    template = template_get(key=None)
    rows = read_csv(kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="csv"))
    assert len(rows) == 1
