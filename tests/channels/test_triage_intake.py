"""The email intake records triage's automatic decision on a new ticket's first message as
the ticket's `triage` event, with its reason (docs/triage.md, "On the ticket")."""

from __future__ import annotations

import dataclasses

import pytest

from afterdesk.channels.services import intake
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.tickets import services
from afterdesk.tickets.events import TRIAGE_REASON_MAX_LENGTH
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.triage import triage_message
from tests.channels.helpers import mail

pytestmark = pytest.mark.django_db

THREAT = (
    "The blender arrived broken, the jug is cracked. If I don't get a refund this week I "
    "will file a chargeback with my bank and leave a 1-star review everywhere."
)


def test_a_new_ticket_gets_the_decision_as_an_event_with_its_reason() -> None:
    email_ingest(mail(subject="Broken blender", body=THREAT), source="test")
    ticket = Ticket.objects.get()
    event = TicketEvent.objects.get(kind="triage")
    assert event.ticket == ticket
    assert event.agent is None
    fields = event.fields
    assert fields["language"] == "en"
    assert fields["issue_type"] == "damaged"
    assert "chargeback" in fields["risk_flags"]
    assert fields["risk"] >= 40
    assert fields["reason"].startswith("language: ")
    assert "; issue: matched " in fields["reason"]
    assert "chargeback" in fields["reason"]
    # the ticket as triage left it, and the first message before the decision
    assert (ticket.language, ticket.category) == ("en", "damaged")
    assert ticket.priority == fields["priority"] != "normal"
    assert list(ticket.events.values_list("kind", flat=True)) == ["message", "triage"]


def test_a_follow_up_is_not_triaged_again() -> None:
    email_ingest(mail(body=THREAT, message_id="<a@example.net>"), source="test")
    email_ingest(
        mail(body="Any news?", message_id="<b@example.net>", in_reply_to="<a@example.net>"),
        source="test",
    )
    assert Ticket.objects.count() == 1
    assert TicketEvent.objects.filter(kind="triage").count() == 1
    assert TicketEvent.objects.filter(kind="message").count() == 2


def test_a_failing_triage_opens_the_ticket_without_a_decision(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(subject: str, body: str) -> None:
        raise RuntimeError("lexicon gone")

    monkeypatch.setattr(intake, "triage_message", broken)
    email_ingest(mail(body=THREAT), source="test")
    ticket = Ticket.objects.get()
    assert not TicketEvent.objects.filter(kind="triage").exists()
    assert (ticket.language, ticket.category, ticket.priority) == ("", "", "normal")


def test_a_long_reason_is_cut_to_what_the_event_keeps() -> None:
    result = triage_message("Broken", THREAT)
    long = dataclasses.replace(result, issue_reason="matched " + "'broken' (en), " * 1000)
    decision = intake.triage_decision(long)
    assert len(decision["reason"]) == TRIAGE_REASON_MAX_LENGTH
    assert decision["reason"].endswith("…")
    # and the ticket services take it
    email_ingest(mail(body=THREAT), source="test")
    services.ticket_triage_record(ticket=Ticket.objects.get(), **decision)
