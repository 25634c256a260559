"""`afterdesk payouts`: output only on stdout, errors exit ≠ 0 with a message."""

from __future__ import annotations

import csv
import io
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, execute_from_command_line
from openpyxl import load_workbook

from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.services import template_save
from tests.bonuses.helpers import PERIOD, TEMPLATE, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("payouts", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def data() -> None:
    rated(UserFactory(username="anna"), [5] * 9 + [3])


def test_json_by_name_and_by_id() -> None:
    rule = make_rule()
    by_name = json.loads(run("--rule", "CSAT bonus", *PERIOD))
    by_id = json.loads(run("--rule", str(rule.pk), *PERIOD, "--format", "json"))
    assert by_name == by_id
    assert [(line["agent"], line["amount"]) for line in by_name["lines"]] == [("anna", "380.00")]


def test_csv_table_and_output_file(tmp_path: Path) -> None:
    make_rule()
    rows = list(csv.reader(io.StringIO(run("--rule", "CSAT bonus", *PERIOD, "--format", "csv"))))
    assert rows[0][:4] == ["agent", "position", "template", "total"]
    assert rows[1][:3] == ["anna", "csat_team", "csat_only"]
    table = run("--rule", "CSAT bonus", *PERIOD, "--format", "table")
    assert table.splitlines()[0].split()[:3] == ["agent", "position", "template"]
    assert table.splitlines()[1].split()[:5] == ["anna", "csat_team", "csat_only", "90.00", "gold"]
    assert "target: template csat_only" in table.splitlines()
    target = tmp_path / "out.csv"
    assert run("--rule", "CSAT bonus", *PERIOD, "--format", "csv", "--output", str(target)) == ""
    assert target.read_text().splitlines()[1].startswith("anna,csat_team,csat_only,90.00,1,gold")
    xlsx = tmp_path / "out.xlsx"
    assert run("--rule", "CSAT bonus", *PERIOD, "--format", "xlsx", "--output", str(xlsx)) == ""
    assert load_workbook(xlsx)["Payouts"]["A2"].value == "anna"


def test_position_rule_lists_the_agents_not_eligible() -> None:
    """A position rule: bo, of the position but moved personally to another template, is not
    paid and the table says why; cy, of another position, is not mentioned."""
    bo = UserFactory(username="bo")
    rated(bo, [5] * 5)
    rated(UserFactory(username="cy", position="second_line"), [5] * 5)
    make_rule(name="CSAT team", target_kind="position", position="csat_team")
    template_save(definition={**TEMPLATE, "id": "other", "name": "Other"})
    template_assign(template_key="other", agent=bo)
    table = run("--rule", "CSAT team", *PERIOD, "--format", "table").splitlines()
    assert table[1].split()[:4] == ["anna", "csat_team", "csat_only", "90.00"]
    assert len([line for line in table if line.startswith(("anna", "bo", "cy"))]) == 1
    assert "not eligible:" in table
    assert (
        "  bo (csat_team, template other): scored under template other (personal assignment), "
        "not csat_only: a rule never ranks agents of different templates together"
    ) in table
    assert "target: position csat_team" in table
    assert "not_eligible: 1" in table
    document = json.loads(run("--rule", "CSAT team", *PERIOD))
    assert [item["agent"] for item in document["excluded"]] == ["bo"]
    assert "cy" not in {line["agent"] for line in document["lines"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "nope", *PERIOD], "no bonus rule"),
        (["--rule", "999", *PERIOD], "no bonus rule"),
        (
            [
                "--rule",
                "CSAT bonus",
                "--from",
                "2026-11-01T00:00:00Z",
                "--to",
                "2026-10-01T00:00:00Z",
            ],
            "before",
        ),
        (
            ["--rule", "CSAT bonus", "--from", "2026-10-01", "--to", "2026-11-01T00:00:00Z"],
            "offset",
        ),
        (["--rule", "CSAT bonus", *PERIOD, "--format", "xlsx"], "needs --output"),
        (["--rule", "CSAT bonus", *PERIOD, "--output", "/nonexistent/dir/x.json"], "cannot write"),
    ],
)
def test_errors_exit_non_zero_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    make_rule()
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["afterdesk", "payouts", *args])
    assert exit_info.value.code != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_rule_whose_template_is_gone_fails_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    rule = make_rule()
    rule.template_key = "gone"
    rule.save()
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["afterdesk", "payouts", "--rule", "CSAT bonus", *PERIOD])
    assert exit_info.value.code == 1
    assert "no scorecard template 'gone'" in capsys.readouterr().err
