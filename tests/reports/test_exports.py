"""KPI and scorecard downloads: read back as CSV and with openpyxl, formulas neutralised."""

from __future__ import annotations

import copy
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from afterdesk.core.errors import ValidationError
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.metrics.scorecards import report, scorecard_compute
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, template_parse
from afterdesk.reports.exports import (
    OWN_MODE,
    SCORECARD_KPI_COLUMNS,
    WHAT_IF_MODE,
    kpis_table,
    safe_cell,
    scorecard_table,
)
from afterdesk.reports.services import kpis_export, scorecard_export, template_get
from tests.factories import UserFactory

from .builders import (
    WEEK_END,
    WEEK_START,
    review_template,
    solved,
    tier_history,
    tier_templates,
)

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
    assert header[:4] == ["agent", "template", "first_reply_time", "first_reply_time_n"]
    assert len(header) == 2 + 2 * len(KPI_IDS)
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(1)", "anna"]
    assert [r[1] for r in rows[1:]] == ["first_line", "first_line"]  # what-if: everyone
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
    assert about["mode"] == WHAT_IF_MODE


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_scorecard_export_has_rank_categories_and_kpi_details(fmt: str) -> None:
    template = review_template()
    body = scorecard_export(start=WEEK_START, end=WEEK_END, template=template, fmt=fmt)
    rows: list[list[object]]
    rows = [list(r) for r in read_csv(body)] if fmt == "csv" else read_xlsx(body, "Scorecard")
    header = [str(h) for h in rows[0]]
    assert header[:7] == ["rank", "agent", "template", "total", "efficiency", "quality", "cost"]
    for suffix in ("", "_n", "_score", "_excluded", "_override"):
        assert f"csat_rate{suffix}" in header
    lines = {str(r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(lines) == ["'=HYPERLINK(1)", "anna"]  # ranked: no ratings beats poor ones
    anna, evil = lines["anna"], lines["'=HYPERLINK(1)"]
    assert (str(evil["rank"]), str(anna["rank"])) == ("1", "2")
    assert anna["template"] == evil["template"] == "review_test"
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


def test_what_if_export_is_the_scorecard_under_one_template_with_a_template_column() -> None:
    tier_a, _tier_b = tier_templates()
    tier_history(T)
    table = scorecard_table(start=WEEK_START, end=WEEK_END, template=tier_a)
    rows = scorecard_compute(start=WEEK_START, end=WEEK_END, template=tier_a)
    kpi_columns = [f"{k}{s}" for k in tier_a.kpi_ids for s in SCORECARD_KPI_COLUMNS]
    # The header of before the own templates, with `template` after `agent`.
    assert table.header == [
        "rank",
        "agent",
        "template",
        "total",
        "efficiency",
        "quality",
        "cost",
        *kpi_columns,
    ]
    # Everyone under tier_a, ranked together: the tier_b agents and the one without a
    # template too (the what-if view ignores assignments).
    assert [(line[0], line[1], line[2]) for line in table.rows] == [
        (r.rank, r.agent, "tier_a") for r in rows
    ]
    assert sorted(r.agent for r in rows) == ["a1", "a2", "b1", "b2", "nobody"]
    assert all(line[0] is not None for line in table.rows)
    b2 = next(line for line in table.rows if line[1] == "b2")
    assert b2[3] == float(report(next(r for r in rows if r.agent == "b2").total) or 0)
    assert ("mode", WHAT_IF_MODE) in table.about


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_own_template_scorecard_ranks_within_each_template(fmt: str) -> None:
    tier_templates()
    tier_history(T)
    body = scorecard_export(start=WEEK_START, end=WEEK_END, fmt=fmt)
    rows: list[list[object]]
    rows = [list(r) for r in read_csv(body)] if fmt == "csv" else read_xlsx(body, "Scorecard")
    header = [str(h) for h in rows[0]]
    # The categories of both templates in use, tier_a's first (templates by key).
    assert header[:9] == [
        "rank",
        "agent",
        "template",
        "position",
        "total",
        "efficiency",
        "quality",
        "cost",
        "service",
    ]
    assert "handled_volume_score" in header  # a KPI of tier_b only
    empty = "" if fmt == "csv" else None
    # Grouped by template, the rank restarting in each; the agent without a template last,
    # unranked, with no template and empty scores. Positions and template cells neutralised.
    assert [[str(c) if c not in ("", None) else c for c in r[:4]] for r in rows[1:]] == [
        ["1", "a1", "tier_a", "pos_a"],
        ["2", "a2", "tier_a", "pos_a"],
        ["1", "b1", "tier_b", "'=pos_b"],
        ["2", "b2", "tier_b", "'=pos_b"],
        [empty, "nobody", empty, empty],
    ]
    lines = {str(r[1]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    a1, b1, nobody = lines["a1"], lines["b1"], lines["nobody"]
    assert float(str(a1["total"])) == 85.0
    assert float(str(b1["total"])) == float(str(b1["service"])) == 68.87
    assert b1["efficiency"] == empty  # not a category of tier_b
    assert a1["service"] == empty
    assert a1["handled_volume"] == a1["handled_volume_score"] == empty  # not a tier_a KPI
    assert float(str(b1["handled_volume_score"])) == 10.0
    assert nobody["total"] == nobody["first_reply_time_business_score"] == empty
    assert float(str(nobody["first_reply_time_business"])) == 20.0  # figures, no score
    assert nobody["first_reply_time_business_excluded"] == "no template"
    if fmt == "xlsx":
        about = {str(k): v for k, v in read_xlsx(body, "About")}
        assert about["mode"] == OWN_MODE
        assert about["template tier_a"] == "Tier A, version 1"
        assert about["template tier_b"] == "'=Tier B, version 1"  # a formula-like name


def test_own_template_keeps_one_group() -> None:
    tier_templates()
    tier_history(T)
    table = scorecard_table(start=WEEK_START, end=WEEK_END, own_template="tier_b")
    assert [(line[0], line[1]) for line in table.rows] == [(1, "b1"), (2, "b2")]
    assert "efficiency" not in table.header  # only tier_b's categories
    assert ("only the agents of template", "tier_b") in table.about
    kpis = kpis_table(start=WEEK_START, end=WEEK_END, own_template="tier_b")
    assert [line[0] for line in kpis.rows] == ["b1", "b2"]
    with pytest.raises(ValidationError, match="not both"):
        scorecard_table(
            start=WEEK_START, end=WEEK_END, template=template_get(key=None), own_template="x"
        )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_own_template_kpis_use_each_agents_template_parameters(fmt: str) -> None:
    tier_a, _tier_b = tier_templates()
    tier_history(T)
    body = kpis_export(start=WEEK_START, end=WEEK_END, fmt=fmt)
    rows: list[list[object]]
    rows = [list(r) for r in read_csv(body)] if fmt == "csv" else read_xlsx(body, "KPIs")
    header = [str(h) for h in rows[0]]
    assert header[:4] == ["agent", "template", "position", "first_reply_time"]
    assert len(header) == 3 + 2 * len(KPI_IDS)
    lines = {str(r[0]): dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert list(lines) == ["a1", "a2", "b1", "b2", "nobody"]  # by name
    empty = "" if fmt == "csv" else None
    assert [(v["template"], v["position"]) for v in lines.values()] == [
        ("tier_a", "pos_a"),
        ("tier_a", "pos_a"),
        ("tier_b", "'=pos_b"),
        ("tier_b", "'=pos_b"),
        (empty, empty),
    ]
    sla = {name: float(str(v["sla_first_reply_rate"])) for name, v in lines.items()}
    # b2's 90-minute reply misses tier_b's 60-minute target; a2's 300 minutes meet tier_a's
    # 480; `nobody` has the built-in default template's targets.
    assert sla == {"a1": 1.0, "a2": 1.0, "b1": 1.0, "b2": 0.0, "nobody": 1.0}
    what_if = kpis_table(start=WEEK_START, end=WEEK_END, template=tier_a)
    b2 = next(dict(zip(what_if.header, r, strict=True)) for r in what_if.rows if r[0] == "b2")
    assert b2["sla_first_reply_rate"] == 1.0  # under tier_a it is met
    if fmt == "xlsx":
        about = {str(k): v for k, v in read_xlsx(body, "About")}
        assert about["mode"] == OWN_MODE
        assert "default" in str(about["agents without a template"])


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


EVIL = "\x01=HYPERLINK(1)"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_control_character_before_a_formula_sign_is_neutralised(fmt: str) -> None:
    """Agent names and template category names (header cells) alike, in kpis and scorecard
    downloads; read_xlsx checks that no cell is a formula."""
    solved(UserFactory(username=EVIL), created=T, reply_minutes=5)
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data["categories"][0]["name"] = EVIL
    template = template_parse(data)
    for export, sheet in ((kpis_export, "KPIs"), (scorecard_export, "Scorecard")):
        body = export(start=WEEK_START, end=WEEK_END, template=template, fmt=fmt)
        rows = [list(r) for r in read_csv(body)] if fmt == "csv" else read_xlsx(body, sheet)
        cells = [str(c) for row in rows for c in row if c is not None]
        assert "'=HYPERLINK(1)" in cells
        assert not [c for c in cells if c.lstrip("\x00\x01").startswith(("=", "+", "@"))]
        if export is scorecard_export:
            assert "'=HYPERLINK(1)" in [str(c) for c in rows[0]]  # the category header


def test_empty_period_exports_the_header_only() -> None:
    template = template_get(key=None)
    rows = read_csv(kpis_export(start=WEEK_START, end=WEEK_END, template=template, fmt="csv"))
    assert len(rows) == 1
    own = read_csv(scorecard_export(start=WEEK_START, end=WEEK_END, fmt="csv"))
    assert own == [["rank", "agent", "template", "position", "total"]]
