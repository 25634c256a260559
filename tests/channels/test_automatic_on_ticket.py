"""Automatic mail that threads to a ticket shows on the ticket's conversation, folded and
marked, after the message it came after; it is not a buyer message, reopens nothing, and a
bounce of a desk reply marks that reply's email as bounced (docs/channels.md, "Automatic
mail"). The reply is really sent first, through aiosmtpd (tests/channels/servers.py)."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import DeliveryState, ReplyBounce, ReplyDelivery
from afterdesk.channels.models import InboundState
from afterdesk.channels.services.bounces import bounces_apply_pending, report_read
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Status, Ticket
from tests.channels.helpers import corpus, mail
from tests.channels.servers import SmtpServer
from tests.channels.test_sending import buyer_ticket, reply, smtp_mailbox

pytestmark = pytest.mark.django_db


def bounce_of(message_id: str) -> bytes:
    """The buyer's server returning the desk's reply: a delivery report with its headers."""
    return (
        corpus("bounce.eml")
        .replace(
            b"Status: 5.1.1\r\n",
            b"Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <nobody@buyer.example>: "
            b"user unknown\r\n",
        )
        .replace(
            b"--BNC--\r\n",
            b"--BNC\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            b"From: support@shop.example\r\nTo: buyer@example.net\r\nMessage-ID: "
            + message_id.encode()
            + b"\r\nSubject: Re: Where is my parcel?\r\n\r\n--BNC--\r\n",
        )
    )


def out_of_office(message_id: str) -> bytes:
    return mail(
        sender="Buyer One <buyer@example.net>",
        subject="Automatic reply: Re: Where is my parcel?",
        body="I am away until Monday and will read your mail then.",
        message_id="<ooo-1@example.net>",
        in_reply_to=message_id,
        references=message_id,
        headers={"Auto-Submitted": "auto-replied"},
    )


def page(client: Client, ticket: Ticket) -> str:
    response = client.get(reverse("tickets:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_out_of_office_answer_to_a_reply_shows_folded_on_the_ticket(
    client: Client,
    admin_user: User,
    agent: User,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    tickets.ticket_assign(ticket=ticket, by=admin_user, agent=agent, team=None)
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks, status="solved")
    delivery.refresh_from_db()

    inbound = email_ingest(out_of_office(delivery.message_id), source="imap").inbound

    assert (inbound.state, inbound.ticket_id) == (InboundState.AUTOMATIC, ticket.pk)
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED  # not reopened
    assert Message.objects.filter(ticket=ticket).count() == 2  # not a buyer message
    client.force_login(agent)
    html = page(client, ticket)
    folded = re.search(
        r'<details class="msg msg-automatic msg-automatic-auto_reply".*?</details>', html, re.S
    )
    assert folded is not None
    assert "Auto-reply" in folded.group()
    assert "I am away until Monday" in folded.group()
    assert "Auto-Submitted: auto-replied" in folded.group()
    assert " open" not in folded.group().split(">", 1)[0]  # folded until clicked
    # After the reply it answers, and the reply's own email state is unchanged.
    reply_at = html.index(f'id="message-{Message.objects.get(event=delivery.event).pk}"')
    assert reply_at < html.index('id="automatic-')
    assert "Emailed to buyer@example.net" in html
    # Agents see the mail, not the stored raw message (admins' and supervisors' page).
    assert reverse("channels:inbound_detail", args=[inbound.pk]) not in html
    client.force_login(admin_user)
    assert reverse("channels:inbound_detail", args=[inbound.pk]) in page(client, ticket)


def test_a_bounce_of_a_reply_marks_its_email_bounced(
    client: Client,
    admin_user: User,
    agent: User,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
    tmp_path: Path,
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    file = tmp_path / "bounce.eml"
    file.write_bytes(bounce_of(delivery.message_id))

    out = StringIO()
    call_command("email", "ingest", str(file), stdout=out)

    assert f"stored as bounce on #{ticket.pk}" in out.getvalue()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error == (
        "bounced by nobody@buyer.example's mail server: 5.1.1 "
        "550 5.1.1 <nobody@buyer.example>: user unknown"
    )
    bounce = ReplyBounce.objects.get()
    assert (bounce.delivery_id, bounce.recipient, bounce.status) == (
        delivery.pk,
        "nobody@buyer.example",
        "5.1.1",
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Message.objects.filter(ticket=ticket).count() == 2
    client.force_login(admin_user)
    html = page(client, ticket)
    assert "Email bounced" in html
    assert "msg-automatic-bounce" in html
    assert "A reply of this ticket did not reach the buyer." in html
    # Listed with the replies not sent, with its retry.
    listed = client.get(reverse("channels:deliveries"), {"state": "failed"}).content.decode()
    assert "user unknown" in listed


def test_bounces_are_read_once_whichever_way_they_came_in(
    agent: User, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    email_ingest(bounce_of(delivery.message_id), source="imap")  # no reading yet

    assert bounces_apply_pending() == 1
    assert bounces_apply_pending() == 0
    assert ReplyBounce.objects.count() == 1
    assert ReplyDelivery.objects.get().state == DeliveryState.FAILED


def test_a_bounce_of_no_reply_of_ours_changes_no_delivery(
    agent: User, smtp_server: SmtpServer, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    reply(ticket, agent, django_capture_on_commit_callbacks)
    # A bounce that names only the buyer's own message threads to the ticket, but returns
    # none of the desk's replies.
    email_ingest(bounce_of("<first@buyer.example>"), source="imap")

    assert bounces_apply_pending() == 1
    assert ReplyBounce.objects.get().delivery_id is None
    assert ReplyDelivery.objects.get().state == DeliveryState.SENT


def test_the_delivery_report_is_read() -> None:
    report = report_read(corpus("bounce.eml"))
    assert (report.recipient, report.status, report.diagnostic) == (
        "nobody@buyer.example",
        "5.1.1",
        "",
    )
    assert report_read(mail()).recipient == ""
