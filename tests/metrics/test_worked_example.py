"""The worked example of docs/metrics.md ("Worked example") is true: its history and template,
read from the page itself, give exactly the facts, KPIs and scores the page computes by hand."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from fractions import Fraction
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from afterdesk.core.timeutil import parse_instant
from afterdesk.history.importer import history_import
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.templates import template_parse

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
PERIOD = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]


def _blocks() -> dict[str, str]:
    """The fenced blocks of the "Worked example" section, by language."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("\n## Worked example\n", 1)[1].split("\n## ", 1)[0]
    return {lang: body for lang, body in re.findall(r"```(\w+)\n(.*?)```", section, re.S)}


@pytest.fixture
def template_file(tmp_path: Path) -> Path:
    blocks = _blocks()
    history = tmp_path / "example.jsonl"
    history.write_text(blocks["jsonl"], encoding="utf-8")
    report = history_import(history)
    assert not report.errors, report.error_lines()
    template = tmp_path / "worked_example.json"
    template.write_text(blocks["json"], encoding="utf-8")
    return template


def _command(name: str, *args: str) -> Any:
    out = StringIO()
    call_command(name, *args, *PERIOD, stdout=out)
    return json.loads(out.getvalue())


def test_the_facts_are_the_ones_computed_by_hand(template_file: Path) -> None:
    facts = {f.ticket.external_id: f for f in TicketFacts.objects.select_related("ticket")}
    minute = 60_000_000
    assert facts["T-1"].first_reply_business_us == 80 * minute
    assert facts["T-2"].first_reply_business_us == 40 * minute
    assert facts["T-1"].resolution_business_us == 120 * minute
    assert facts["T-2"].resolution_business_us == 540 * minute
    assert facts["T-2"].last_solve_at == parse_instant("2026-10-07T11:00:00+02:00")
    assert (facts["T-2"].reopens, facts["T-2"].agent_replies) == (1, 2)
    assert facts["T-1"].first_reply_us == int(timedelta(minutes=3920) / timedelta(microseconds=1))


def test_the_kpis_are_the_ones_computed_by_hand(template_file: Path) -> None:
    (row,) = _command("kpis", "--template", str(template_file))
    kpis = {kpi: (value["value"], value["n"]) for kpi, value in row["kpis"].items()}
    assert row["agent"] == "mia"
    assert kpis["first_reply_time_business"] == (60.0, 2)
    assert kpis["resolution_time_index"] == (35 / 96, 2)
    assert kpis["fcr_rate"] == (0.5, 2)
    assert kpis["csat_rate"] == (1.0, 2)
    assert kpis["qa_score"] == (80.0, 1)
    assert kpis["reply_time_business"] == (50.0, 3)
    assert kpis["sla_first_reply_rate"] == (0.5, 2)
    assert kpis["handled_volume"] == (2.0, 2)


def test_the_scores_are_the_ones_computed_by_hand(template_file: Path) -> None:
    (row,) = _command("scorecard", "--template", str(template_file))
    scores = {kpi: (line["score"], line["excluded"]) for kpi, line in row["kpis"].items()}
    assert scores == {
        "first_reply_time_business": (85.71, None),
        "resolution_time_index": (100.0, None),
        "fcr_rate": (20.0, None),
        "csat_rate": (100.0, None),
        "qa_score": (40.0, "n < min_samples (1 < 2)"),
    }
    assert row["categories"] == {"efficiency": 91.43, "quality": 60.0}
    assert (row["total"], row["rank"]) == (72.57, 1)


def test_the_exact_values_behind_the_reported_ones(template_file: Path) -> None:
    spec = template_parse(json.loads(template_file.read_text(encoding="utf-8")))
    (row,) = scorecard_compute(
        start=parse_instant(PERIOD[1]), end=parse_instant(PERIOD[3]), template=spec
    )
    assert row.kpis["first_reply_time_business"].score == Fraction(600, 7)
    assert row.kpis["resolution_time_index"].value == Fraction(35, 96)
    assert row.categories == {"efficiency": Fraction(640, 7), "quality": Fraction(60)}
    assert row.total == Fraction(508, 7)
