from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Store
from afterdesk.history import importer
from afterdesk.history.importer import history_import
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Status, Ticket, TicketEvent
from tests.factories import T0, TicketFactory, UserFactory
from tests.history.helpers import (
    AGENT,
    CALENDAR,
    INBOUND,
    REPLY,
    REVIEWER,
    TICKET,
    event,
    write_history,
)

pytestmark = pytest.mark.django_db

BASE = [CALENDAR, AGENT, REVIEWER, TICKET]  # lines 1–4


def nothing_written() -> bool:
    return not (
        Ticket.objects.exists()
        or TicketEvent.objects.exists()
        or User.objects.exists()
        or Calendar.objects.exists()
    )


def test_import_creates_entities_events_messages_and_state(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        INBOUND,
        event("assign", "2026-10-01T10:30:00+02:00", agent="anna", team="EU"),
        REPLY,
        event("status", status="solved", agent="anna"),
        event("csat", "2026-10-02T09:00:00Z", rating=5.0, comment=None),
        event("qa_review", "2026-10-03T09:00:00Z", agent="anna", score=90, reviewer="quinn"),
    )
    report = history_import(path)
    assert report.errors == []
    assert report.imported
    assert report.summary_lines()[:3] == [
        "calendar: 1 created, 0 updated, 0 unchanged",
        "agent: 2 created, 0 updated, 0 unchanged",
        "ticket: 1 created, 0 updated, 0 unchanged",
    ]
    assert "message: 2 added, 0 already present" in report.summary_lines()
    ticket = Ticket.objects.get(external_id="T-1")
    assert ticket.calendar == Calendar.objects.get(key="eu")
    assert (ticket.status, ticket.assignee.username, ticket.team.name) == ("solved", "anna", "EU")
    assert ticket.updated_at == T0 + timedelta(days=2, hours=1)
    reply = TicketEvent.objects.get(kind="message", subtype="reply")
    assert reply.fields == {"kind": "reply", "agent": "anna"}
    assert reply.agent.username == "anna"
    assert reply.message.body_text == "On its way"
    assert reply.message.author.username == "anna"
    csat = TicketEvent.objects.get(kind="csat")
    assert (csat.fields, csat.score, csat.agent) == ({"rating": 5}, 5.0, None)
    anna = User.objects.get(username="anna")
    assert (anna.display_name, anna.role, [t.name for t in anna.teams.all()]) == (
        "Anna",
        "agent",
        ["EU"],
    )
    assert not anna.has_usable_password()


def test_imported_event_is_the_event_record_would_write(tmp_path: Path) -> None:
    history_import(write_history(tmp_path / "h.jsonl", *BASE, INBOUND, REPLY))
    ticket = Ticket.objects.get(external_id="T-1")
    anna = User.objects.get(username="anna")
    imported = TicketEvent.objects.get(subtype="reply")
    recorded = services.event_record(
        ticket=ticket,
        kind="message",
        fields={"kind": "reply", "agent": "anna"},
        at=T0 + timedelta(hours=1),
        agent=anna,
        body="On its way",
    )
    assert recorded.pk == imported.pk
    # and the other way round: an event written by a click is found by the import
    services.ticket_set_status(ticket=ticket, by=anna, status="pending", at=T0 + timedelta(hours=2))
    line = event("status", "2026-10-01T12:00:00+02:00", status="pending", agent="anna")
    report = history_import(write_history(tmp_path / "again.jsonl", line))
    assert (report.events["status"].added, report.events["status"].present) == (0, 1)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{oops", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"type": "mystery"}', "unknown type 'mystery'"),
        ('{"id": "x"}', "missing required field 'type'"),
        ('{"type": "csat", "ticket": "T-1", "at": "2026-10-02T00:00:00Z", "rating": NaN}', "JSON"),
        ({**TICKET, "id": "T-2", "colour": "red"}, "unknown field 'colour' for type ticket"),
        ({"type": "message", "ticket": "T-1", "at": "2026-10-02T00:00:00Z"}, "'kind'"),
        ({"type": "agent", "id": "bo"}, "missing required field 'name'"),
        (event("csat", "2026-10-02T09:00:00", rating=5), "without an offset"),
        (event("csat", "yesterday", rating=5), "not an ISO 8601 time"),
        ({**TICKET, "id": "T-2", "created_at": "2026-10-01 08:00"}, "created_at"),
        (event("message", kind="reply", agent="ghost"), "agent: unknown agent 'ghost'"),
        (event("qa_review", agent="anna", score=5, reviewer="ghost"), "unknown agent 'ghost'"),
        ({**event("csat", rating=4), "ticket": "T-404"}, "unknown ticket 'T-404'"),
        ({**TICKET, "id": "T-2", "calendar": "mars"}, "unknown calendar 'mars'"),
        ({**CALENDAR, "id": "c2", "hours": {"mon": [["10:00", "09:00"]]}}, "start must be"),
        (
            {**CALENDAR, "id": "c2", "hours": {"tue": [["09:00", "12:00"], ["11:00", "13:00"]]}},
            "sorted and not overlap",
        ),
        ({**CALENDAR, "id": "c2", "tz": "Mars/Olympus"}, "unknown time zone"),
        (
            event("csat", "2026-10-01T07:59:59Z", rating=4),
            "earlier than the created_at of ticket 'T-1'",
        ),
        (event("message", kind="fax"), "kind 'fax' is not one of"),
        (event("status", status="done"), "status 'done' is not one of"),
        ({**TICKET, "id": "T-2", "priority": "asap"}, "priority 'asap'"),
        (event("return", outcome="lost"), "outcome 'lost'"),
        ({"type": "agent", "id": "bo", "name": "Bo", "role": ""}, "role must not be empty"),
        ({"type": "agent", "id": "bo", "name": "Bo", "role": " "}, "role must not be empty"),
        ({"type": "agent", "id": "bo", "name": "Bo", "role": "x" * 65}, "longer than 64"),
        ({"type": "agent", "id": "bo", "name": "Bo", "role": 3}, "role must be a string"),
        (event("csat", rating=6), "rating must be an integer from 1 to 5"),
        (event("csat", rating=4.5), "rating must be an integer"),
        (event("csat", rating="5"), "rating must be an integer"),
        (event("qa_review", agent="anna", score=101), "score must be a number from 0 to 100"),
        (event("message", kind="reply", body="hi"), "a reply message needs an agent"),
        (event("message", kind="note"), "a note message needs an agent"),
        (event("assign"), "missing required field 'agent'"),
        (event("message", kind="inbound", body="a\u0000b"), "NUL"),
        ({**TICKET, "id": "T-2", "order_value": "12"}, "order_value must be a number"),
        ({**TICKET, "id": "T-2", "currency": "EURO"}, "currency is longer than 3"),
    ],
)
def test_each_error_is_reported_with_its_line_and_nothing_is_written(
    tmp_path: Path, bad: dict[str, Any] | str, message: str
) -> None:
    path = write_history(tmp_path / "h.jsonl", *BASE, INBOUND, bad, REPLY)
    report = history_import(path)
    assert len(report.errors) == 1, report.errors
    line, text = report.errors[0]
    assert line == 6
    assert message in text
    assert not report.imported
    assert nothing_written()


def test_every_bad_line_is_reported_in_line_order(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        event("csat", rating=9),  # line 1 (and an unknown ticket, but one error per line)
        *BASE,
        "",  # blank lines are skipped but still counted
        event("message", kind="reply", agent="ghost"),  # line 7
        {**TICKET, "id": "T-2", "calendar": "nope"},  # line 8
        {**event("csat", rating=3), "ticket": "T-2"},  # line 9: its ticket is invalid
    )
    report = history_import(path)
    assert [line for line, _ in report.errors] == [1, 7, 8, 9]
    assert report.error_lines()[1] == "line 7: agent: unknown agent 'ghost'"
    assert nothing_written()


def test_skip_invalid_imports_the_valid_lines_and_reports_the_rest(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        {**CALENDAR, "hours": {"mon": [["12:00", "09:00"]]}},  # 1: bad calendar
        TICKET,  # 2: its calendar line was skipped, so unknown
        INBOUND,  # 3: its ticket line was skipped
        {"type": "agent", "id": "bo", "name": "Bo", "role": ""},  # 4: empty role (position)
        {**TICKET, "id": "T-2", "calendar": None},  # 5: fine
        {**INBOUND, "ticket": "T-2"},  # 6: fine
        {**REPLY, "ticket": "T-2", "agent": "bo"},  # 7: agent bo was skipped
        AGENT,  # 8: fine
        {**REPLY, "ticket": "T-2"},  # 9: fine
    )
    report = history_import(path, skip_invalid=True)
    assert [line for line, _ in report.errors] == [1, 2, 3, 4, 7]
    assert report.imported
    assert report.skipped_lines == 5
    assert "skipped: 5 invalid lines" in report.summary_lines()
    assert list(Ticket.objects.values_list("external_id", flat=True)) == ["T-2"]
    assert TicketEvent.objects.count() == 2
    assert not Calendar.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["anna"]


def test_import_twice_changes_nothing(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl", *BASE, INBOUND, REPLY, event("status", status="open")
    )
    first = history_import(path)
    before = (Ticket.objects.get().updated_at, TicketEvent.objects.count(), Message.objects.count())
    second = history_import(path)
    assert second.errors == []
    assert (second.entities["ticket"].unchanged, second.entities["agent"].unchanged) == (1, 2)
    assert second.entities["calendar"].unchanged == 1
    assert second.events_added == 0
    assert second.events["message"].present == first.events["message"].added == 2
    after = (Ticket.objects.get().updated_at, TicketEvent.objects.count(), Message.objects.count())
    assert after == before


def test_a_later_line_with_a_known_id_replaces_the_fields(tmp_path: Path) -> None:
    history_import(
        write_history(
            tmp_path / "a.jsonl",
            *BASE,
            {**TICKET, "subject": "Parcel", "priority": "high", "store": "shop-us"},
        )
    )
    report = history_import(
        write_history(
            tmp_path / "b.jsonl",
            {**CALENDAR, "tz": "Europe/Paris"},
            {**AGENT, "name": "Anna B.", "team": "APAC", "email": "anna@example.com"},
            {**TICKET, "channel": "chat"},  # subject, priority and store left out: reset
        )
    )
    assert report.errors == []
    assert [c.updated for c in report.entities.values()] == [1, 1, 1]
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.subject, ticket.priority, ticket.store) == (
        "chat",
        "",
        "normal",
        None,
    )
    assert Calendar.objects.get().tz == "Europe/Paris"
    anna = User.objects.get(username="anna")
    assert (anna.display_name, anna.email) == ("Anna B.", "anna@example.com")
    assert list(anna.teams.values_list("name", flat=True)) == ["APAC"]
    assert Store.objects.get().code == "shop-us"  # created on first mention, kept


def test_a_repeated_id_in_one_file_counts_created_then_updated(tmp_path: Path) -> None:
    report = history_import(
        write_history(
            tmp_path / "h.jsonl", CALENDAR, {**TICKET, "subject": "a"}, {**TICKET, "subject": "b"}
        )
    )
    assert vars(report.entities["ticket"]) == {"created": 1, "updated": 1, "unchanged": 0}
    assert Ticket.objects.get().subject == "b"


def test_equal_events_are_one_event(tmp_path: Path) -> None:
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        event("csat", "2026-10-02T10:00:00Z", rating=5),
        event("csat", "2026-10-02T12:00:00+02:00", rating=5.0, comment=None),  # same event
        event("qa_review", agent="anna", score=80, reviewer=None),
        event("qa_review", "2026-10-01T11:00:00+02:00", agent="anna", score=80.0),  # same
        event("csat", "2026-10-02T10:00:00Z", rating=4),  # different rating: another event
        {**INBOUND, "body": ""},
        {**INBOUND, "body": None},  # an empty body is no body (docs/history.md)
    )
    report = history_import(path)
    assert (report.events["csat"].added, report.events["csat"].present) == (2, 1)
    assert (report.events["qa_review"].added, report.events["qa_review"].present) == (1, 1)
    assert (report.events["message"].added, report.events["message"].present) == (1, 1)


def test_events_at_one_instant_keep_file_order_across_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "EVENT_BATCH", 2)
    same = "2026-10-01T09:00:00Z"
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        event("status", same, status="open"),
        event("message", same, kind="reply", agent="anna", body="done"),
        event("status", "2026-10-01T11:00:00+02:00", status="solved"),  # the same instant
        event("message", "2026-10-01T08:30:00Z", kind="inbound", body="earlier, later in file"),
    )
    history_import(path)
    order = list(TicketEvent.objects.order_by("at", "id").values_list("kind", "subtype"))
    assert order == [
        ("message", "inbound"),
        ("status", "open"),
        ("message", "reply"),
        ("status", "solved"),
    ]
    assert Ticket.objects.get().status == Status.SOLVED


def test_forward_references_are_fine(tmp_path: Path) -> None:
    path = write_history(tmp_path / "h.jsonl", REPLY, INBOUND, TICKET, AGENT, CALENDAR)
    report = history_import(path)
    assert report.errors == []
    assert TicketEvent.objects.count() == 2
    assert Ticket.objects.get().calendar.key == "eu"


def test_a_later_ticket_line_decides_created_at(tmp_path: Path) -> None:
    early = event("csat", "2026-09-30T00:00:00Z", rating=5)
    path = write_history(
        tmp_path / "h.jsonl",
        *BASE,
        early,
        {**TICKET, "created_at": "2026-09-29T00:00:00Z"},
    )
    assert history_import(path).errors == []


def test_references_to_database_rows_are_known(tmp_path: Path) -> None:
    UserFactory(username="bo")
    ticket = TicketFactory(external_id="T-9", created_at=T0, updated_at=T0)
    services.event_record(ticket=ticket, kind="status", fields={"status": "solved"}, at=T0)
    path = write_history(
        tmp_path / "h.jsonl",
        {**event("assign", agent="bo"), "ticket": "T-9"},
        {**event("assign", "2026-10-01T08:30:00Z", agent=None), "ticket": "T-9"},
    )
    report = history_import(path)
    assert report.errors == []
    ticket.refresh_from_db()
    # the state is replayed from the whole log, not just the imported lines
    assert (ticket.status, ticket.assignee.username) == ("solved", "bo")
    unassign = TicketEvent.objects.get(kind="assign", agent=None)
    assert unassign.fields == {"agent": None}
    assert Team.objects.filter(name="EU").count() == 0


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        history_import(tmp_path / "nope.jsonl")
