"""CSV, XLSX, JSON and table exports, formula injection neutralised in CSV and XLSX."""

from __future__ import annotations

import copy
import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from afterdesk.bonuses import exports
from afterdesk.bonuses.services import payout_compute
from tests.bonuses.helpers import DEFINITION, END, START, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EVIL_EXTRA = {"name": '=HYPERLINK("http://x")', "amount": "5"}


@pytest.fixture
def document() -> dict[str, Any]:
    rated(UserFactory(username="=cmd|' /C calc'!A0"), [5] * 5)
    rated(UserFactory(username="anna"), [5] * 9 + [3])
    definition = {**DEFINITION, "extras": [*DEFINITION["extras"], EVIL_EXTRA]}
    rule = make_rule(definition=definition, budget="100")
    return payout_compute(rule=rule, start=START, end=END).as_json()


def test_csv_rows_and_injection(document: dict[str, Any]) -> None:
    rows = list(csv.reader(io.StringIO(exports.payout_csv(document))))
    header = rows[0]
    assert header[:9] == [
        "agent",
        "position",
        "template",
        "total",
        "rank",
        "tier",
        "tier_amount",
        "tier_reason",
        "gate_passed",
    ]
    assert header[-2:] == ["amount", "currency"]
    assert '\'=HYPERLINK("http://x")_paid' in header  # a header cell is neutralised too
    by_agent = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_agent) == {"'=cmd|' /C calc'!A0", "anna"}
    anna = by_agent["anna"]
    assert (anna["total"], anna["tier"], anna["amount"], anna["currency"]) == (
        "90.00",
        "gold",
        "385.00",
        "EUR",
    )
    assert (anna["csat_paid"], anna["volume_paid"]) == ("no", "yes")
    assert (anna["position"], anna["template"]) == ("csat_team", "csat_only")
    assert anna["csat_reason"] == "condition not met: csat_rate 0.9 < 0.98"


def test_xlsx_sheets_and_injection(document: dict[str, Any]) -> None:
    book = load_workbook(io.BytesIO(exports.payout_xlsx(document)))
    assert book.sheetnames == ["Payouts", "Conditions", "Not eligible", "Summary"]
    sheet = book["Payouts"]
    header = [cell.value for cell in sheet[1]]
    rows = [
        dict(zip(header, [c.value for c in row], strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    names = {row["agent"] for row in rows}
    assert names == {"'=cmd|' /C calc'!A0", "anna"}
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    anna = next(row for row in rows if row["agent"] == "anna")
    assert anna["amount"] == 385  # a number, formatted as money
    assert sheet.cell(row=2, column=len(header) - 1).number_format == "#,##0.00"
    conditions = [[c.value for c in row] for row in book["Conditions"].iter_rows(min_row=2)]
    assert [
        "anna",
        "csat",
        "when",
        "csat_rate",
        ">=",
        0.98,
        0.9,
        10,
        None,
        False,
        "csat_rate 0.9 < 0.98",
    ] in conditions
    assert [[c.value for c in row] for row in book["Not eligible"].iter_rows()] == [
        ["agent", "position", "template", "reason"]
    ]
    assert (anna["position"], anna["template"]) == ("csat_team", "csat_only")
    summary = {row[0].value: row[1].value for row in book["Summary"].iter_rows()}
    assert (summary["target"], summary["template"]) == ("template csat_only", "csat_only v1")
    assert summary["total"] == 820
    assert summary["budget"] == 100
    assert summary["warning"].startswith("budget_exceeded: payout 820.00 EUR exceeds")


def test_json_and_table(document: dict[str, Any]) -> None:
    assert json.loads(exports.payout_json(document)) == document
    table = exports.payout_table(document).splitlines()
    assert table[0].split() == [
        "agent",
        "position",
        "template",
        "total",
        "tier",
        "tier_amount",
        "extras",
        "amount",
    ]
    assert "total: 820.00" in table
    assert any(line.startswith("warning: budget_exceeded") for line in table)


def test_a_statement_frozen_before_targets_still_exports(document: dict[str, Any]) -> None:
    """Old documents have `rule.role` and `summary.role`, lines without position or template
    and no `excluded`: every format still renders them, those cells empty."""
    old = copy.deepcopy(document)
    for key in ("target_kind", "position", "template"):
        old["summary"].pop(key)
    old["summary"].pop("excluded")
    old["rule"].pop("target_kind")
    old["rule"].pop("position")
    old["rule"]["role"] = old["summary"]["role"] = "agent"
    old.pop("excluded")
    for line in old["lines"]:
        line.pop("position")
        line.pop("template")
    rows = list(csv.reader(io.StringIO(exports.payout_csv(old))))
    anna = dict(zip(rows[0], next(r for r in rows if r[0] == "anna"), strict=True))
    assert (anna["position"], anna["template"], anna["amount"]) == ("", "", "385.00")
    assert ["target", "role agent"] in exports.summary_rows(old)
    assert "target: role agent" in exports.payout_table(old).splitlines()
    book = load_workbook(io.BytesIO(exports.payout_xlsx(old)))
    assert book["Not eligible"].max_row == 1


def test_agent_view_has_no_summary_rows(document: dict[str, Any]) -> None:
    assert exports.summary_rows({**document, "summary": None}) == []
    assert Decimal(document["summary"]["total"]) == Decimal("820.00")
