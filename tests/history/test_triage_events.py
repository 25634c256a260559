"""`triage`, the event Afterdesk writes for its triage of a buyer's first message (and, with
`agent`, an agent's correction of it): imported, exported unchanged, validated line by line,
ignored by the facts and KPIs (docs/history.md, "Events Afterdesk writes itself")."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from bench.synthetic import write_synthetic_history
from tests.factories import T0
from tests.history.helpers import (
    AGENT,
    CALENDAR,
    INBOUND,
    REPLY,
    TICKET,
    event,
    flush_history,
    history_snapshot,
    write_history,
)
from tests.history.test_sla_events import _figures

pytestmark = pytest.mark.django_db

BASE = [CALENDAR, AGENT, TICKET, INBOUND]  # lines 1–4
AUTOMATIC = event(
    "triage",
    "2026-10-01T08:00:00Z",
    language="de",
    issue_type="damaged",
    risk=45,
    risk_flags=["legal", "negative_sentiment"],
    priority="high",
    reason="issue: matched 'kaputt' (de) (damaged, score 3); risk: legal 40",
)
CORRECTION = event(
    "triage",
    "2026-10-01T09:30:00Z",
    language="de",
    issue_type="wrong_item",
    risk=45,
    risk_flags=[],
    priority="normal",
    reason="issue type damaged → wrong_item",
    agent="anna",
)


def test_both_kinds_import_with_their_columns(tmp_path: Path) -> None:
    report = history_import(write_history(tmp_path / "h.jsonl", *BASE, AUTOMATIC, CORRECTION))
    assert report.errors == []
    assert "triage: 2 added, 0 already present" in report.summary_lines()
    rows = list(
        TicketEvent.objects.filter(kind="triage")
        .order_by("at")
        .values_list("subtype", "score", "agent__username", "fields")
    )
    strip = ("type", "ticket", "at")
    assert rows == [
        ("damaged", 45, None, {k: v for k, v in AUTOMATIC.items() if k not in strip}),
        ("wrong_item", 45, "anna", {k: v for k, v in CORRECTION.items() if k not in strip}),
    ]
    # the ticket's own fields come from its ticket line, as every import
    ticket = Ticket.objects.get()
    assert (ticket.language, ticket.category, ticket.priority) == ("", "", "normal")


def test_events_written_in_the_app_export_and_import_back_unchanged(
    tmp_path: Path, agent: User
) -> None:
    ticket = services.ticket_create(
        subject="Kaputt", channel="email", body="Die Vase ist kaputt!", at=T0, external_id="T-1"
    )
    services.ticket_triage_record(
        ticket=ticket,
        language="de",
        issue_type="damaged",
        risk=45,
        risk_flags=["legal"],
        priority="high",
        reason="matched 'kaputt' (de) ×2 → „Vase“",
        at=T0,
    )
    services.ticket_triage_correct(
        ticket=Ticket.objects.get(pk=ticket.pk),
        by=agent,
        language="de",
        issue_type="wrong_item",
        risk_flags=[],
        priority="low",
    )
    first = io.StringIO()
    counts = history_export(first)
    assert counts["triage"] == 2
    exported = [json.loads(line) for line in first.getvalue().splitlines()]
    triage = [line for line in exported if line["type"] == "triage"]
    assert list(triage[1]) == [
        "type",
        "ticket",
        "at",
        "language",
        "issue_type",
        "risk",
        "risk_flags",
        "priority",
        "reason",
        "agent",
    ]
    ticket_line = next(line for line in exported if line["type"] == "ticket")
    assert (ticket_line["category"], ticket_line["priority"]) == ("wrong_item", "low")
    before = history_snapshot()

    flush_history()
    Team.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(first.getvalue(), encoding="utf-8")
    assert history_import(copy).errors == []
    second = io.StringIO()
    history_export(second)
    assert second.getvalue() == first.getvalue()
    after = history_snapshot()
    assert after["events"] == before["events"]
    assert after["tickets"] == before["tickets"]
    # and once more: nothing added
    again = history_import(copy)
    assert "triage: 0 added, 2 already present" in again.summary_lines()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"issue_type": "broken"}, "line 5: issue_type 'broken' is not one of"),
        ({"issue_type": None}, "line 5: missing required field 'issue_type'"),
        ({"risk": 101}, "line 5: risk must be an integer from 0 to 100"),
        ({"risk": 4.5}, "line 5: risk must be an integer from 0 to 100"),
        ({"risk": "45"}, "line 5: risk must be an integer from 0 to 100"),
        ({"risk_flags": "legal"}, "line 5: risk_flags must be a list of risk flags"),
        ({"risk_flags": ["lawsuit"]}, "line 5: risk_flags: unknown risk flag 'lawsuit'"),
        ({"risk_flags": ["legal", "legal"]}, "line 5: risk_flags: a risk flag is named twice"),
        ({"priority": "asap"}, "line 5: priority 'asap' is not one of"),
        ({"language": "deutsch-schweiz"}, "line 5: language must be a string of at most 10"),
        ({"language": 7}, "line 5: language must be a string"),
        ({"reason": ["x"]}, "line 5: reason must be a string"),
        ({"agent": "nobody"}, "line 5: agent: unknown agent 'nobody'"),
        ({"agent": "a b"}, "line 5: agent: 'a b' is not a valid agent id"),
        ({"score": 3}, "line 5: unknown field 'score' for type triage"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_nothing_is_imported(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    line = {**AUTOMATIC, **change}
    path = write_history(tmp_path / "h.jsonl", *BASE, line, REPLY)
    report = history_import(path)
    assert report.error_lines()[0].startswith(message), report.error_lines()
    assert [n for n, _m in report.errors] == [5]
    assert not report.imported
    assert not TicketEvent.objects.exists()


def test_the_facts_and_kpis_ignore_triage_events(tmp_path: Path) -> None:
    source = tmp_path / "source.jsonl"
    write_synthetic_history(source, tickets=80, agents=6, seed=7)
    lines = [json.loads(raw) for raw in source.read_text(encoding="utf-8").splitlines()]
    agent_ids = [line["id"] for line in lines if line["type"] == "agent"]
    triage: list[dict[str, Any]] = []
    for index, line in enumerate(line for line in lines if line["type"] == "ticket"):
        decision = {**AUTOMATIC, "ticket": line["id"], "at": line["created_at"]}
        triage.append(decision)
        if index % 3 == 0:  # corrected by an agent, a little later
            triage.append({**CORRECTION, "ticket": line["id"], "at": line["created_at"]})
            triage[-1]["agent"] = agent_ids[index % len(agent_ids)]
    assert history_import(source).ok
    without = _figures()
    assert len(without[0]) >= 4  # real figures
    assert without[1]

    report = history_import(write_history(tmp_path / "triage.jsonl", *triage))
    assert report.errors == []
    assert report.events["triage"].added == len(triage)
    assert _figures() == without
