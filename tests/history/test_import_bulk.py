"""The bulk paths of `history_import`: tickets new to the database get their state and facts
from the imported lines (no replay from the database), ids come from the sequences, and each
line is parsed once. These tests pin that the shortcuts give what the slow paths give."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from afterdesk.history import importer
from afterdesk.history.importer import history_import
from afterdesk.history.schema import EventLine, parse_line
from afterdesk.history.spill import fingerprint
from afterdesk.metrics.models import TicketFacts
from afterdesk.tickets import services
from afterdesk.tickets.events import event_fingerprint
from afterdesk.tickets.models import Ticket, TicketEvent
from bench.synthetic import write_synthetic_history
from tests.history.helpers import AGENT, CALENDAR, REVIEWER, TICKET, event, write_history

pytestmark = pytest.mark.django_db

BASE = [CALENDAR, AGENT, REVIEWER, {"type": "agent", "id": "bo", "name": "Bo"}, TICKET]


def derived() -> tuple[dict[int, Any], dict[int, Any]]:
    """Every ticket's state and every facts row (but its computed_at)."""
    states = {
        pk: rest
        for pk, *rest in Ticket.objects.values_list(
            "pk", "status", "assignee_id", "team_id", "updated_at", "buyer_message_at"
        )
    }
    facts = {}
    for row in TicketFacts.objects.values():
        del row["computed_at"]
        facts[row.pop("ticket_id")] = row
    return states, facts


def test_new_tickets_get_the_state_and_facts_a_replay_of_their_log_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "EVENT_BATCH", 7)  # batches end mid-ticket
    synthetic = tmp_path / "synthetic.jsonl"
    write_synthetic_history(synthetic, tickets=60, agents=12, seed=3)
    same = "2026-10-01T09:00:00Z"
    tricky = [
        event("assign", same, agent="anna", team="EU"),
        event("status", same, status="solved", agent="anna"),
        event("status", same, status="open"),
        event("assign", "2026-10-01T10:00:00Z", agent=None),
        event("message", "2026-10-01T10:30:00Z", kind="reply", agent="bo", body="x"),
        event("status", "2026-10-01T11:00:00+01:00", status="solved"),  # = 10:00Z
        event("assign", "2026-10-01T12:00:00Z", agent="bo"),
        event("csat", "2026-10-02T09:00:00Z", rating=4),
        event("return", "2026-10-03T09:00:00Z", outcome="withdrawn", amount=12.5),
        {**TICKET, "created_at": "2026-10-01T07:00:00Z"},  # a later line decides
    ]
    path = write_history(
        tmp_path / "h.jsonl",
        *(line for line in synthetic.read_text().splitlines()),
        *BASE,
        *tricky,
        event("message", "2026-10-01T10:30:00Z", kind="reply", agent="bo", body="x"),  # again
    )
    report = history_import(path)
    assert report.errors == []
    assert report.events["message"].present == 1
    imported = derived()
    assert len(imported[1]) == Ticket.objects.count()
    services.ticket_refresh_state(ticket_ids=list(Ticket.objects.values_list("pk", flat=True)))
    assert derived() == imported
    ticket = Ticket.objects.get(external_id="T-1")
    assert (ticket.status, ticket.assignee.username, ticket.team.name) == ("solved", "bo", "EU")
    assert ticket.created_at == datetime(2026, 10, 1, 7, tzinfo=UTC)
    # The synthetic tickets' buyers wrote: the fresh tickets carry their last message.
    assert Ticket.objects.filter(buyer_message_at__isnull=False).count() > 30


def test_a_repeated_line_in_a_later_batch_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "EVENT_BATCH", 2)
    csat = event("csat", "2026-10-02T09:00:00Z", rating=5)
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        csat,
        event("csat", "2026-10-03T09:00:00Z", rating=3),
        event("csat", "2026-10-04T09:00:00Z", rating=2),
        {**csat, "rating": 5.0, "comment": None},  # equal as JSON values
    )
    report = history_import(path)
    assert (report.events["csat"].added, report.events["csat"].present) == (3, 1)
    assert TicketFacts.objects.get().rating == 2


def test_new_tickets_without_events_start_new_and_have_no_facts(tmp_path: Path) -> None:
    history_import(write_history(tmp_path / "h.jsonl", *BASE))
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.assignee, ticket.updated_at) == ("new", None, ticket.created_at)
    assert not TicketFacts.objects.exists()


def test_ids_keep_the_sequences_ahead(tmp_path: Path) -> None:
    """Ids taken for the import are never handed out again."""
    history_import(
        write_history(
            tmp_path / "h.jsonl",
            *BASE,
            event("message", kind="inbound", body="hi"),
            {**TICKET, "id": "T-2"},
        )
    )
    imported = TicketEvent.objects.get()
    ticket = Ticket.objects.create(
        external_id="T-3", channel="email", created_at=imported.at, updated_at=imported.at
    )
    assert ticket.pk > max(Ticket.objects.exclude(pk=ticket.pk).values_list("pk", flat=True))
    recorded = services.event_record(
        ticket=ticket, kind="status", fields={"status": "open"}, at=imported.at
    )
    assert recorded.pk > imported.pk


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "reply", "agent": "anna", "body": "Grüße – 返信"},
        {"kind": "inbound", "body": ""},
        {"rating": 5.0, "comment": None},
        {"outcome": "kept_partial_refund", "amount": 12.5, "currency": "EUR"},
        {"agent": None, "team": "EU"},
    ],
)
def test_the_fingerprint_of_a_parsed_line_is_event_fingerprint(fields: dict[str, Any]) -> None:
    kind = {"kind": "message", "rating": "csat", "outcome": "return", "agent": "assign"}[
        next(iter(fields))
    ]
    raw = {"type": kind, "ticket": "T-1", "at": "2026-10-01T11:00:00.5+02:00", **fields}
    line = parse_line(json.dumps(raw).encode())
    assert isinstance(line, EventLine)
    assert fingerprint(line.kind, line.at, line.fields) == event_fingerprint(kind, line.at, fields)


def test_a_byte_order_mark_and_a_list_for_an_enum_are_handled(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + write_history(tmp_path / "base.jsonl", *BASE).read_bytes()
        + b'{"type": "return", "ticket": "T-1", "at": "2026-10-02T00:00:00Z", "outcome": ["x"]}\n'
    )
    report = history_import(path)
    assert [line for line, _message in report.errors] == [6]
    assert report.errors[0][1].startswith("outcome ['x'] is not one of exchange, ")


def test_a_large_import_refreshes_the_planner_statistics_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    synthetic = tmp_path / "synthetic.jsonl"
    write_synthetic_history(synthetic, tickets=20, agents=4, seed=5)
    monkeypatch.setattr(importer, "ANALYZE_AFTER_EVENTS", 10**9)
    with CaptureQueriesContext(connection) as small:
        history_import(synthetic)
    assert not [q for q in small.captured_queries if q["sql"].startswith("ANALYZE")]

    Ticket.objects.all().delete()
    monkeypatch.setattr(importer, "ANALYZE_AFTER_EVENTS", 1)
    with CaptureQueriesContext(connection) as large:
        report = history_import(synthetic)
    assert report.events_added > 1
    analyzed = [q["sql"] for q in large.captured_queries if q["sql"].startswith("ANALYZE")]
    if connection.vendor == "postgresql":
        assert len(analyzed) == 1
        assert '"tickets_ticketevent"' in analyzed[0]
        assert '"metrics_ticketfacts"' in analyzed[0]
    else:
        assert analyzed == []


def test_awkward_characters_survive_the_copy(tmp_path: Path) -> None:
    """Tabs, line ends, backslashes and \\N-lookalikes in bodies and fields are stored as
    written (PostgreSQL's rows go in as COPY text, escaped by the importer)."""
    body = 'line one\r\nline\ttwo \\ back\\slash \\N "quoted" 返信\n'
    history_import(
        write_history(
            tmp_path / "h.jsonl",
            *BASE,
            event("message", "2026-10-01T08:00:00Z", kind="inbound", body=body),
            event("complaint", "2026-10-01T08:30:00Z", agent="anna", body="\\N\t\\t"),
            event("csat", "2026-10-02T09:00:00Z", rating=3, comment="tab\there\\"),
            event("qa_review", "2026-10-02T10:00:00Z", agent="anna", reviewer="quinn", score=0.1),
        )
    )
    message = TicketEvent.objects.get(kind="message").message
    assert message.body_text == body
    assert TicketEvent.objects.get(kind="complaint").fields["body"] == "\\N\t\\t"
    assert TicketEvent.objects.get(kind="csat").fields["comment"] == "tab\there\\"
    assert TicketEvent.objects.get(kind="qa_review").score == 0.1
    assert TicketEvent.objects.get(kind="complaint").agent.username == "anna"
