"""The whole exchange (issue 17, "Done when"): a buyer's .eml opens a ticket that shows in the
inbox page and the API; an agent replies; the reply carries the thread's headers; the buyer's
follow-up (In-Reply-To: the reply) lands on the same ticket; `afterdesk history export` holds
every message."""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.services.mailboxes import mailbox_save
from afterdesk.channels.services.outgoing import outgoing_message_id, reply_subject, thread_headers
from afterdesk.tickets.models import Status, Ticket
from tests.channels.helpers import CORPUS, mail
from tests.channels.servers import SmtpServer
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


EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_the_readme_exchange_with_the_reply_sent_by_smtp(
    client: Client,
    supervisor: User,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """README, "An email exchange, end to end", with its files: the store and its order,
    the buyer's mail, the reply really sent (aiosmtpd), the buyer's client answering it."""
    call_command("loaddata", str(EXAMPLES / "store.json"), stdout=StringIO())
    call_command(
        "stores",
        "import-orders",
        str(EXAMPLES / "orders.csv"),
        "--store",
        "lamps-de",
        stdout=StringIO(),
    )
    mailbox_save(
        mailbox=None,
        changes={
            "name": "Lamps DE Support",
            "address": "support@shop.example",
            "store": "lamps-de",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
        },
    )
    out = StringIO()
    call_command("email", "ingest", str(EXAMPLES / "buyer.eml"), stdout=out)
    ticket = Ticket.objects.get()
    assert out.getvalue().endswith(f"opened #{ticket.pk}\n")
    # In the inbox with language, issue type, risk (as the priority and the triage event)
    # and the linked order.
    assert (ticket.language, ticket.category, ticket.priority) == ("en", "not_received", "urgent")
    triage = ticket.events.get(kind="triage").fields
    assert (triage["risk"], triage["risk_flags"]) == (75, ["paypal_dispute"])
    assert [order.number for order in ticket.orders.all()] == ["#1001"]
    assert ticket.store is not None
    assert ticket.store.code == "lamps-de"
    client.force_login(supervisor)
    inbox = client.get(reverse("tickets:inbox")).content.decode()
    row = inbox[inbox.index(f'href="/tickets/{ticket.pk}/"') :]
    row = row[: row.index("</tr>")]
    assert "Urgent" in row
    assert ">en<" in row
    assert '<td class="category">Not received</td>' in row

    _token, raw = api_token_create(user=supervisor, name="readme")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(
            f"/api/tickets/{ticket.pk}/reply",
            {"body": "Hello Lena,\n\nyour lamp left our warehouse today.\n\nMax"},
            content_type="application/json",
        )
    assert answer.status_code == 201, answer.json()
    [envelope] = smtp_server.received
    sent = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    # What the buyer's mail client threads by.
    assert sent["In-Reply-To"] == "<first-mail.1001@buyer.example>"
    assert sent["References"] == "<first-mail.1001@buyer.example>"
    assert (
        sent["Subject"]
        == f"Re: Where is my order #1001? [#{ticket.pk}-{ticket.email_thread.token}]"
    )
    assert sent["To"] == "lena.vogel@buyer.example"

    # The buyer's client answers it (as the README's printf does).
    follow_up = (
        f"From: Lena Vogel <lena.vogel@buyer.example>\nTo: support@shop.example\n"
        f"Subject: {sent['Subject']}\nMessage-ID: <follow-up.1001@buyer.example>\n"
        f"In-Reply-To: {sent['Message-ID']}\n"
        f"References: <first-mail.1001@buyer.example> {sent['Message-ID']}\n"
        "Content-Type: text/plain; charset=utf-8\n\nThank you! The tracking shows nothing yet.\n"
        "\nOn Fri, 4 Dec 2026 Lamps DE Support wrote:\n> your lamp left our warehouse today\n"
    ).encode()
    posted = api.post("/api/channels/email/inbound", follow_up, content_type="message/rfc822")
    assert posted.json()["outcome"] == f"added to #{ticket.pk}"

    exported = StringIO()
    call_command("history", "export", "-", stdout=exported, stderr=StringIO())
    lines = [json.loads(line) for line in exported.getvalue().splitlines()]
    assert [
        (line["kind"], line["body"].splitlines()[0]) for line in lines if line["type"] == "message"
    ] == [
        ("inbound", "Hello,"),
        ("reply", "Hello Lena,"),
        ("inbound", "Thank you! The tracking shows nothing yet."),
    ]
