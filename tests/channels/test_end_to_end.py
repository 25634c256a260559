"""The whole exchange (issue 17, "Done when"): a buyer's .eml opens a ticket that shows in the
inbox page and the API; an agent replies; the reply carries the thread's headers; the buyer's
follow-up (In-Reply-To: the reply) lands on the same ticket; `afterdesk history export` holds
every message."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.services.outgoing import outgoing_message_id, reply_subject, thread_headers
from afterdesk.tickets.models import Status, Ticket
from tests.channels.helpers import CORPUS, mail
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


def test_a_buyer_mail_an_agent_reply_and_the_follow_up_in_one_ticket(
    client: Client, supervisor: User
) -> None:
    order = OrderFactory(number="114-3941689-8772232")
    out = StringIO()
    call_command("email", "ingest", str(CORPUS / "plain_utf8_amazon.eml"), stdout=out)
    ticket = Ticket.objects.get()
    assert out.getvalue().endswith(f"opened #{ticket.pk}\n")
    assert list(ticket.orders.all()) == [order]

    # The ticket shows in the inbox page and the API.
    client.force_login(supervisor)
    assert "Where is my parcel?" in client.get(reverse("tickets:inbox")).content.decode()
    _token, raw = api_token_create(user=supervisor, name="e2e")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    listed = api.get("/api/tickets").json()["items"]
    assert [(t["id"], t["channel"]) for t in listed] == [(ticket.pk, "email")]

    # The agent replies (the API's reply path: tickets.services.message_reply).
    reply = api.post(
        f"/api/tickets/{ticket.pk}/reply",
        {"body": "It left our warehouse today.", "status": "solved"},
        content_type="application/json",
    )
    assert reply.status_code == 201, reply.json()
    event_id = reply.json()["event"]["id"]
    reply_event = ticket.events.get(pk=event_id)
    # What the outgoing mail carries so the buyer's client threads it.
    message_id = outgoing_message_id(ticket=ticket, event=reply_event)
    headers = thread_headers(ticket=ticket)
    assert headers["In-Reply-To"] == "<plain_utf8_amazon@buyer.example>"
    assert reply_subject(ticket=ticket).startswith("Re: Where is my parcel? [#")

    # The buyer answers the reply: the follow-up lands on the same ticket and reopens it.
    follow_up = mail(
        sender="Jane Doe <jane@buyer.example>",
        subject="Re: Where is my parcel?",
        body=(
            "Thanks! The tracking shows nothing yet.\n\nOn Tue, Dec 1, 2026 Shop wrote:\n> It left"
        ),
        message_id="<follow-up@buyer.example>",
        in_reply_to=message_id,
        references=headers["References"] + " " + message_id,
    )
    posted = api.post("/api/channels/email/inbound", follow_up, content_type="message/rfc822")
    assert posted.status_code == 201
    assert posted.json()["outcome"] == f"added to #{ticket.pk}"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Ticket.objects.count() == 1

    # The whole exchange is in the history export.
    exported = StringIO()
    call_command("history", "export", "-", stdout=exported, stderr=StringIO())
    lines = [json.loads(line) for line in exported.getvalue().splitlines()]
    messages = [(line["kind"], line.get("body", "")) for line in lines if line["type"] == "message"]
    assert messages == [
        ("inbound", "Hello,\n\nmy order 114-3941689-8772232 has not arrived yet.\n\nThanks,\nJane"),
        ("reply", "It left our warehouse today."),
        ("inbound", "Thanks! The tracking shows nothing yet."),
    ]
    (ticket_line,) = [line for line in lines if line["type"] == "ticket"]
    assert ticket_line["channel"] == "email"
