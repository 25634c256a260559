"""The email intake records triage's automatic decision on a new ticket's first message as
the ticket's `triage` event, with its reason (docs/triage.md, "On the ticket")."""

from __future__ import annotations

import dataclasses
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.channels.services import intake
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.channels.services.relay_admin import integration_create
from afterdesk.commerce.models import Store
from afterdesk.tickets import services
from afterdesk.tickets.events import TRIAGE_REASON_MAX_LENGTH
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.triage import triage_message
from tests.channels.helpers import mail
from tests.channels.test_webhooks import SECRET, message, post, sign

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


def test_recording_the_decision_costs_no_statement(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decision is written with the first message, in the change that opens the ticket
    (one INSERT for both events): a new ticket takes as many statements with it as without."""
    email_ingest(mail(body="warm-up", message_id="<w@example.net>"), source="test")
    with CaptureQueriesContext(connection) as triaged:
        email_ingest(mail(subject="a", body=THREAT, message_id="<a@example.net>"), source="test")

    def broken(subject: str, body: str) -> None:
        raise RuntimeError("lexicon gone")

    monkeypatch.setattr(intake, "triage_message", broken)
    with CaptureQueriesContext(connection) as untriaged:
        email_ingest(mail(subject="b", body=THREAT, message_id="<b@example.net>"), source="test")
    assert TicketEvent.objects.filter(kind="triage").count() == 2  # warm-up and a
    assert len(triaged.captured_queries) == len(untriaged.captured_queries)


def test_a_relayed_message_gets_the_decision_too() -> None:
    """The HTTP relays (signed webhook, Meta, chat widget) open tickets through the same
    intake: their first message's decision is an event as well."""
    store = Store.objects.create(code="bazaar-de", name="Bazaar DE")
    integration_create(name="bazaar", store_id=store.pk, secret=SECRET)
    body = json.dumps(message(text=THREAT)).encode()
    assert post(body, sign(body)).status_code == 201
    event = TicketEvent.objects.get(kind="triage")
    assert event.fields["issue_type"] == "damaged"
    assert "chargeback" in event.fields["reason"]
    assert Ticket.objects.get().category == "damaged"
