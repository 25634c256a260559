"""A `routing` event exports and imports back unchanged (docs/history.md) and is checked
line by line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from afterdesk.accounts.models import Team
from afterdesk.history.exporter import history_export
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.services.routing import ticket_route
from tests.factories import T0
from tests.history.helpers import AGENT, CALENDAR, INBOUND, TICKET, event, write_history

pytestmark = pytest.mark.django_db


def test_a_routing_event_round_trips(tmp_path: Path) -> None:
    ticket = services.ticket_create(
        subject="Hola", channel="email", body="hola", at=T0, external_id="T-9"
    )
    desk = Team.objects.create(name="Desk")
    ticket_route(
        ticket=ticket,
        reason="rule “All” (every ticket): team Desk",
        rule="All",
        priority="high",
        tags=["vip", "es"],
        team=desk,
        at=T0,
    )
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
    first = io.StringIO()
    assert history_export(first)["routing"] == 1
    lines = [json.loads(line) for line in first.getvalue().splitlines()]
    routing = next(line for line in lines if line["type"] == "routing")
    assert routing["tags"] == ["es", "vip"]
    Ticket.objects.all().delete()
    copy = tmp_path / "export.jsonl"
    copy.write_text(first.getvalue(), encoding="utf-8")
    assert history_import(copy).errors == []
    second = io.StringIO()
    history_export(second)
    assert second.getvalue() == first.getvalue()


def test_a_bad_routing_line_is_refused(tmp_path: Path) -> None:
    bad = event("routing", "2026-10-01T08:00:00Z", reason="x", tags="vip")
    report = history_import(
        write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND, bad)
    )
    assert any("tags must be a list of tag names" in str(error) for error in report.errors)
    missing = event("routing", "2026-10-01T08:00:00Z", rule="x")
    report = history_import(
        write_history(tmp_path / "m.jsonl", CALENDAR, AGENT, TICKET, INBOUND, missing)
    )
    assert any("missing required field 'reason'" in str(error) for error in report.errors)
