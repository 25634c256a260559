"""Imported tickets get their SLA deadline by the same code as live ones (docs/sla.md, "State
and the sweep"): the history import computes the state of its new open tickets itself, equal
to what `afterdesk sla rebuild` gives, and the sweep then finds them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from afterdesk.history.importer import history_import
from afterdesk.sla.models import TicketSla
from afterdesk.sla.state import states_rebuild
from afterdesk.sla.sweep import sla_sweep
from afterdesk.tickets.models import Ticket
from tests.history.helpers import AGENT, CALENDAR, event, write_history

pytestmark = pytest.mark.django_db
T = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)


def ticket(external_id: str, **fields: Any) -> dict[str, Any]:
    line = {"type": "ticket", "id": external_id, "created_at": "2026-10-01T08:00:00Z"}
    return line | {"channel": "marketplace", "platform": "amazon"} | fields


def inbound(external_id: str) -> dict[str, Any]:
    return event("message", "2026-10-01T08:00:00Z", kind="inbound", body="?") | {
        "ticket": external_id
    }


def state_of(external_id: str) -> tuple[Any, ...] | None:
    row = TicketSla.objects.filter(ticket__external_id=external_id).first()
    if row is None:
        return None
    return (row.policy_id, row.first_reply_due, row.next_at, row.clocks)


def test_an_imported_open_amazon_ticket_has_its_deadline_as_a_rebuild_would_give(
    tmp_path: Path,
) -> None:
    solved = event("status", "2026-10-01T09:00:00Z", status="solved") | {"ticket": "A-2"}
    path = write_history(
        tmp_path / "h.jsonl",
        CALENDAR,
        AGENT,
        ticket("A-1"),
        ticket("A-2"),
        ticket("E-1", channel="email", platform=""),
        inbound("A-1"),
        inbound("A-2"),
        solved,
        inbound("E-1"),
    )
    report = history_import(path)
    assert report.imported
    imported = state_of("A-1")
    assert imported is not None
    assert imported[1] == T + timedelta(hours=24)  # the marketplace preset: 24 h
    assert imported[2] == T + timedelta(hours=22)  # its warning is the next thing due
    assert state_of("E-1") is None  # no policy for it: no row, as for a live ticket
    assert state_of("A-2") is None  # solved: nothing to come (`sla rebuild` for reports)
    # The same code as a rebuild: recomputing it changes nothing.
    states_rebuild(ticket_ids=[Ticket.objects.get(external_id="A-1").pk])
    assert state_of("A-1") == imported
    # And the sweep finds it through the index: its warning, then its breach, once each.
    written = sla_sweep(now=T + timedelta(hours=30))
    assert [(line.kind, line.target) for line in written] == [("sla_breach", "first_reply")]
    assert sla_sweep(now=T + timedelta(hours=31)) == []
