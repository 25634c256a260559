"""End to end, as a manager would: a history whose agents carry positions is imported, the
templates are loaded and assigned with `afterdesk templates load`, and `afterdesk scorecard`
scores each agent under their own template, ranked within it (docs/metrics.md, "Positions and
templates"); the export gives the same scorecard back on a fresh import."""

from __future__ import annotations

import copy
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.metrics.presets import PRESETS
from tests.history.helpers import flush_history, write_history

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)
PERIOD = ["--from", "2026-10-01T00:00:00Z", "--to", "2026-11-01T00:00:00Z"]
AGENTS = {  # id: (position, first reply minutes)
    "fay": ("first_line", 30),
    "fin": ("first_line", 120),
    "sol": ("second_line", 200),
    "nia": ("new_agent", 90),
    "omar": ("minor_language", 60),
    "pia": ("night_shift_es", 45),
    "sue": ("supervisor", 20),
}


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def history() -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for agent, (position, _) in AGENTS.items():
        lines.append({"type": "agent", "id": agent, "name": agent.title(), "role": position})
    for agent, (_, minutes) in AGENTS.items():
        for n in range(5):
            ticket, at = f"{agent}-{n}", T0 + timedelta(days=n)
            reply = at + timedelta(minutes=minutes)
            lines += [
                {"type": "ticket", "id": ticket, "created_at": iso(at), "channel": "email"},
                {"type": "message", "ticket": ticket, "at": iso(at), "kind": "inbound"},
                {"type": "assign", "ticket": ticket, "at": iso(at), "agent": agent},
                {"type": "message", "ticket": ticket, "at": iso(reply), "kind": "reply",
                 "agent": agent},
                {"type": "status", "ticket": ticket, "at": iso(reply), "status": "solved"},
                {"type": "csat", "ticket": ticket, "at": iso(reply + timedelta(hours=1)),
                 "rating": 5},
            ]  # fmt: skip
    return lines


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def scorecard() -> list[dict[str, Any]]:
    return json.loads(run("scorecard", *PERIOD))


def test_positions_import_load_assign_and_score_within_each_template(tmp_path: Path) -> None:
    report = history_import(write_history(tmp_path / "team.jsonl", *history()))
    assert report.errors == []
    night = copy.deepcopy(next(p for p in PRESETS if p["id"] == "first_line"))
    night.update(id="night_es", name="Night shift (ES)")
    night_file = tmp_path / "night.json"
    night_file.write_text(json.dumps(night), encoding="utf-8")
    assert run("templates", "load", str(night_file), "--roles", "night_shift_es") == "night_es\n"

    rows = scorecard()
    by_agent = {r["agent"]: r for r in rows}
    assert {a: r["template"] for a, r in by_agent.items()} == {
        "fay": "first_line",
        "fin": "first_line",
        "sol": "second_line",
        "nia": "new_agent",
        "omar": "minor_language",
        "pia": "night_es",
        "sue": None,
    }
    assert (by_agent["fay"]["rank"], by_agent["fin"]["rank"]) == (1, 2)
    for alone in ("sol", "nia", "omar", "pia"):  # the only agent of their template
        assert by_agent[alone]["rank"] == 1
    assert by_agent["sue"]["rank"] is None
    assert by_agent["sue"]["total"] is None
    assert rows[-1]["agent"] == "sue"  # listed apart, after the ranked groups

    exported = io.StringIO()
    history_export(exported)
    flush_history()
    (tmp_path / "again.jsonl").write_text(exported.getvalue(), encoding="utf-8")
    assert history_import(tmp_path / "again.jsonl").errors == []
    assert scorecard() == rows  # the assignments stay; the positions come back unchanged
