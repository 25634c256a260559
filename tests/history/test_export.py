from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from afterdesk.accounts.models import Role, Team, User
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import TicketEvent
from bench.synthetic import write_synthetic_history
from tests.factories import T0, AgentProfileFactory, CalendarFactory, StoreFactory
from tests.history.helpers import (
    AGENT,
    CALENDAR,
    REPLY,
    TICKET,
    event,
    flush_history,
    history_snapshot,
    write_history,
)

pytestmark = pytest.mark.django_db


def export_text() -> str:
    out = io.StringIO()
    history_export(out)
    return out.getvalue()


def build_history_with_services(agent: User, qa_reviewer: User, team: Team) -> None:
    """A history written by clicks, not by an import."""
    AgentProfileFactory(user=agent, languages=["en", "de"], shift="early")
    calendar = CalendarFactory(key="berlin", holidays=["2026-12-25"])
    store = StoreFactory(code="shop-us")
    ticket = services.ticket_create(
        subject="Parcel never arrived",
        channel="email",
        body="Hello, where is my order?",
        store=store,
        category="not_received",
        priority="high",
        calendar=calendar,
        order_value=Decimal("59.90"),
        currency="USD",
        external_id="T-100",
        at=T0,
    )
    supervisor = User.objects.create(username="sam", role=Role.SUPERVISOR)
    services.ticket_assign(ticket=ticket, by=supervisor, agent=agent, team=team, at=T0)
    services.note_add(ticket=ticket, by=agent, body="check DHL", at=T0 + timedelta(minutes=1))
    services.message_reply(
        ticket=ticket, by=agent, body="On its way", status="solved", at=T0 + timedelta(hours=1)
    )
    services.csat_record(ticket=ticket, rating=4, comment="ok", at=T0 + timedelta(days=1))
    services.return_record(ticket=ticket, outcome="kept_partial_refund", amount=Decimal("10.5"))
    services.qa_review_record(ticket=ticket, agent=agent, score=87.5, reviewer=qa_reviewer)
    services.ticket_escalate(ticket=ticket, by=agent, to="tier2", reason="angry")
    services.complaint_record(ticket=ticket, against=agent, body="slow")
    other = services.ticket_create(subject="", channel="chat", body="", at=T0, external_id="T-2")
    services.ticket_assign(ticket=other, by=supervisor, agent=None, team=team, at=T0)


def test_export_writes_calendars_agents_then_each_ticket_with_its_events(
    tmp_path: Path,
) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        CALENDAR,
        AGENT,
        {**TICKET, "order_value": 12.5, "priority": "normal", "subject": "", "store": None},
        event("message", "2026-10-01T10:00:00+02:00", kind="inbound", body="Hi"),
        event("assign", agent=None),
        REPLY,
    )
    history_import(path)
    out = io.StringIO()
    counts = history_export(out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {**CALENDAR},
        {"type": "agent", "id": "anna", "name": "Anna", "team": "EU"},  # no position: no role
        {
            "type": "ticket",
            "id": "T-1",
            "created_at": "2026-10-01T08:00:00Z",
            "channel": "email",
            "calendar": "eu",
            "order_value": 12.5,
        },
        {"type": "message", "ticket": "T-1", "at": "2026-10-01T08:00:00Z", "kind": "inbound",
         "body": "Hi"},
        {"type": "assign", "ticket": "T-1", "at": "2026-10-01T09:00:00Z", "agent": None},
        {"type": "message", "ticket": "T-1", "at": "2026-10-01T09:00:00Z", "kind": "reply",
         "agent": "anna", "body": "On its way"},
    ]  # fmt: skip
    assert counts["ticket"] == 1
    assert counts["message"] == 2
    assert counts["csat"] == 0


def test_export_then_import_into_an_empty_database_reproduces_the_history(
    tmp_path: Path, agent: User, qa_reviewer: User, team: Team
) -> None:
    build_history_with_services(agent, qa_reviewer, team)
    synthetic = tmp_path / "synthetic.jsonl"
    write_synthetic_history(synthetic, tickets=30, agents=10, seed=7)
    assert history_import(synthetic).errors == []
    exported = export_text()
    before = history_snapshot()
    # re-importing the export into the same database finds everything present
    (tmp_path / "same.jsonl").write_text(exported, encoding="utf-8")
    again = history_import(tmp_path / "same.jsonl")
    assert again.errors == []
    assert again.events_added == 0, {k: v for k, v in again.events.items() if v.added}
    assert sum(c.created + c.updated for c in again.entities.values()) == 0, again.entities

    flush_history()
    assert not TicketEvent.objects.exists()
    report = history_import(tmp_path / "same.jsonl")
    assert report.errors == []
    assert history_snapshot() == before
    assert export_text() == exported


def test_synthetic_history_is_valid_and_its_event_count_is_returned(tmp_path: Path) -> None:
    path = tmp_path / "synthetic.jsonl"
    events = write_synthetic_history(path, tickets=40, agents=8)
    assert 4 * 40 <= events <= 7 * 40
    report = history_import(path)
    assert report.errors == []
    assert report.events_added == TicketEvent.objects.count() == events
    assert report.entities["ticket"].created == 40
    # deterministic for a seed
    write_synthetic_history(tmp_path / "again.jsonl", tickets=40, agents=8)
    assert (tmp_path / "again.jsonl").read_bytes() == path.read_bytes()


def test_export_of_an_empty_database_is_empty() -> None:
    out = io.StringIO()
    counts = history_export(out)
    assert out.getvalue() == ""
    assert set(counts.values()) == {0}
