from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationError
from afterdesk.tickets import services
from afterdesk.tickets.models import Attachment, Message, Status, Ticket, TicketEvent
from tests.factories import T0

pytestmark = pytest.mark.django_db


def make_ticket(**kwargs: object) -> Ticket:
    defaults: dict[str, object] = {
        "subject": "Parcel never arrived",
        "channel": "email",
        "body": "Hello, my order #1001 has not arrived.",
        "at": T0,
    }
    defaults.update(kwargs)
    return services.ticket_create(**defaults)  # type: ignore[arg-type]


def test_create_writes_inbound_message_event() -> None:
    ticket = make_ticket()
    assert ticket.external_id == f"AD-{ticket.pk}"
    assert ticket.status == Status.NEW
    event = ticket.events.get()
    assert (event.kind, event.subtype, event.at) == ("message", "inbound", T0)
    assert event.message.body_text.startswith("Hello")


def test_reply_on_new_ticket_opens_it_and_reply_and_solve_orders_reply_first(agent: User) -> None:
    ticket = make_ticket()
    at = T0 + timedelta(minutes=5)
    services.message_reply(ticket=ticket, by=agent, body="Sorry!", status="solved", at=at)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    kinds = list(ticket.events.order_by("at", "id").values_list("kind", "subtype"))
    assert kinds == [("message", "inbound"), ("message", "reply"), ("status", "solved")]
    assert ticket.updated_at == at


def test_reply_on_closed_ticket_is_a_conflict_and_writes_nothing(agent: User) -> None:
    ticket = make_ticket()
    services.ticket_set_status(ticket=ticket, by=agent, status="closed")
    before = TicketEvent.objects.count()
    with pytest.raises(Conflict):
        services.message_reply(ticket=ticket, by=agent, body="late")
    assert TicketEvent.objects.count() == before


def test_repeated_status_writes_nothing(agent: User) -> None:
    ticket = make_ticket()
    assert services.ticket_set_status(ticket=ticket, by=agent, status="open") is not None
    assert services.ticket_set_status(ticket=ticket, by=agent, status="open") is None


def test_unknown_status_names_the_field(agent: User) -> None:
    ticket = make_ticket()
    with pytest.raises(ValidationError) as info:
        services.ticket_set_status(ticket=ticket, by=agent, status="nope")
    assert info.value.field == "status"


def test_assign_sets_assignee_and_team(agent: User, team: Team, supervisor: User) -> None:
    ticket = make_ticket()
    event = services.ticket_assign(ticket=ticket, by=supervisor, agent=agent, team=team)
    assert event is not None
    assert event.fields == {"agent": "anna", "team": "EU"}
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.team) == (agent, team)
    unassign = services.ticket_assign(ticket=ticket, by=supervisor, agent=None)
    assert unassign is not None
    assert unassign.fields == {"agent": None}
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_note_is_internal(agent: User) -> None:
    ticket = make_ticket()
    services.note_add(ticket=ticket, by=agent, body="Called the carrier")
    note = Message.objects.get(kind="note")
    assert not note.is_public
    assert note.author == agent


def test_inbound_on_solved_ticket_reopens(agent: User) -> None:
    ticket = make_ticket()
    services.ticket_set_status(ticket=ticket, by=agent, status="solved")
    services.message_ingest(ticket=ticket, body="Still nothing!")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_recording_the_same_event_twice_stores_it_once() -> None:
    ticket = make_ticket()
    first = services.csat_record(ticket=ticket, rating=5, at=T0 + timedelta(days=1))
    second = services.csat_record(ticket=ticket, rating=5, at=T0 + timedelta(days=1))
    assert first.pk == second.pk


def test_late_event_replays_state(agent: User) -> None:
    ticket = make_ticket()
    services.ticket_set_status(ticket=ticket, by=agent, status="solved", at=T0 + timedelta(hours=2))
    # An older status arriving later must not override the newer one.
    services.ticket_set_status(ticket=ticket, by=agent, status="open", at=T0 + timedelta(hours=1))
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_oversized_attachment_is_refused_before_anything_is_written(
    agent: User, settings: object
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10  # type: ignore[attr-defined]
    ticket = make_ticket()
    before = (TicketEvent.objects.count(), Attachment.objects.count())
    upload = SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")
    with pytest.raises(PayloadTooLarge):
        services.message_reply(ticket=ticket, by=agent, body="see file", attachments=[upload])
    assert (TicketEvent.objects.count(), Attachment.objects.count()) == before


def test_disallowed_attachment_type_is_refused(agent: User) -> None:
    ticket = make_ticket()
    upload = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    with pytest.raises(UnsupportedMediaType):
        services.note_add(ticket=ticket, by=agent, body="file", attachments=[upload])


def test_attachment_is_stored(agent: User) -> None:
    ticket = make_ticket()
    upload = SimpleUploadedFile("label.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    event = services.message_reply(ticket=ticket, by=agent, body="label", attachments=[upload])
    attachment = event.message.attachments.get()
    assert attachment.size == len(b"%PDF-1.4 test")
    assert attachment.file.read() == b"%PDF-1.4 test"


def test_inbound_html_is_sanitised() -> None:
    ticket = make_ticket(
        body="",
        body_html='<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:x">l</a></p>',
    )
    message = ticket.messages.get()
    assert "script" not in message.body_html
    assert "onclick" not in message.body_html
    assert "javascript" not in message.body_html


def test_the_buyers_last_message_is_kept_on_the_ticket_as_its_log_says(agent: User) -> None:
    ticket = make_ticket()
    assert Ticket.objects.get(pk=ticket.pk).buyer_message_at == T0
    later = T0 + timedelta(hours=2)
    services.message_ingest(ticket=ticket, body="Any news?", at=later)
    services.message_reply(ticket=ticket, by=agent, body="Soon.", at=later + timedelta(hours=1))
    services.note_add(ticket=ticket, by=agent, body="Asked the carrier.")
    assert Ticket.objects.get(pk=ticket.pk).buyer_message_at == later
    # A late buyer message (dated before the newest event) goes through the replay.
    services.message_ingest(ticket=ticket, body="Hello again", at=later + timedelta(minutes=30))
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.buyer_message_at == later + timedelta(minutes=30)
    # The replay of the whole log agrees with what the actions kept.
    Ticket.objects.filter(pk=ticket.pk).update(buyer_message_at=None)
    services.ticket_refresh_state(ticket_ids=[ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).buyer_message_at == stored.buyer_message_at
