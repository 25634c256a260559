"""The whole exchange over real servers (issue 17, "Done when"): the buyer's mail lands in
the mailbox (Dovecot), the minute's poll opens a ticket, the agent replies on the ticket page,
the reply leaves through SMTP (aiosmtpd) with the headers a mail client threads by, the
buyer's client answers it, and the next poll adds that answer to the same ticket."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import DeliveryState, ReplyDelivery
from afterdesk.channels.models import InboundEmail
from afterdesk.channels.services.mailboxes import mailbox_save
from afterdesk.channels.tasks import mailboxes_poll_periodic
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail
from tests.channels.servers import IMAP_PASSWORD, IMAP_USER, Dovecot, SmtpServer

pytestmark = pytest.mark.django_db


def client_reply(original: EmailMessage, *, sender: str, body: str) -> bytes:
    """What a mail client sends when the buyer clicks "Reply"."""
    answer = EmailMessage()
    answer["From"] = sender
    answer["To"] = original["From"]
    answer["Subject"] = "Re: " + str(original["Subject"])
    answer["Message-ID"] = make_msgid(domain="buyer.example")
    answer["In-Reply-To"] = original["Message-ID"]
    answer["References"] = f"{original['References']} {original['Message-ID']}".strip()
    text = original.get_body(("plain",))
    assert text is not None
    answer.set_content(body + "\n\n> " + text.get_content().strip())
    return answer.as_bytes()


def test_buyer_mail_by_imap_reply_by_smtp_answer_threads_back(
    client: Client,
    supervisor: User,
    dovecot: Dovecot,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mailbox_save(
        mailbox=None,
        changes={
            "name": "Shop Support",
            "address": "support@shop.example",
            "imap_host": "127.0.0.1",
            "imap_port": dovecot.port,
            "imap_security": "none",
            "imap_username": IMAP_USER,
            "imap_password": IMAP_PASSWORD,
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
            "smtp_username": "desk",
            "smtp_password": "s3cret smtp",
        },
    )
    dovecot.deliver(
        mail(
            sender="Buyer One <buyer@example.net>",
            subject="Where is my parcel?",
            body="Order 114-3941689-8772232 has not arrived.",
            message_id="<parcel-1@buyer.example>",
        )
    )

    assert mailboxes_poll_periodic.call_local() == 1  # the worker's minute
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.channel) == ("Where is my parcel?", "email")

    client.force_login(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:reply", args=[ticket.pk]),
            {"body": "It left our warehouse today.", "status": "pending"},
        )
    assert response.status_code == 302

    delivery = ReplyDelivery.objects.get()
    assert delivery.state == DeliveryState.SENT
    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == ["buyer@example.net"]
    sent = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert isinstance(sent, EmailMessage)
    assert sent["In-Reply-To"] == "<parcel-1@buyer.example>"
    assert sent["References"] == "<parcel-1@buyer.example>"
    assert sent["Message-ID"] == delivery.message_id
    assert f"[#{ticket.pk}-" in sent["Subject"]

    # The buyer's client answers; the mail reaches the mailbox; the next poll threads it.
    dovecot.deliver(client_reply(sent, sender="buyer@example.net", body="Thank you!"))
    assert mailboxes_poll_periodic.call_local() == 1
    assert Ticket.objects.count() == 1
    answer = InboundEmail.objects.order_by("-id").first()
    assert answer is not None
    assert (answer.ticket_id, answer.state, answer.reason) == (
        ticket.pk,
        "appended",
        "threaded by header",
    )
    ticket.refresh_from_db()
    assert ticket.status == "open"  # the buyer's answer reopens the pending ticket
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Thank you!" in page
    assert "Emailed to buyer@example.net" in page
