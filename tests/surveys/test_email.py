"""The survey email (docs/surveys.md, "The email"): through the mailbox's SMTP server, to the
buyer, in the buyer's language, threaded into their conversation, with the signed link and
one link per rating."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.channels.models import Direction, Mailbox, ThreadMessageId
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.channels.servers import SmtpServer
from tests.surveys.conftest import (
    buyer_ticket,
    only_survey,
    plain_text,
    received,
    run_at,
    solve,
    survey_links,
)

pytestmark = pytest.mark.django_db


def test_the_email_carries_the_link_and_threads_into_the_conversation(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer, client: Client
) -> None:
    ticket = buyer_ticket(mailbox)
    solve(ticket, agent)
    run_at(25)

    survey = only_survey(ticket)
    [envelope] = smtp_server.received
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "support@shop.example",
        ["buyer@example.net"],
    )
    assert smtp_server.logins == [("desk", "s3cret smtp")]
    [message] = received(smtp_server)
    assert message["From"] == "Shop Support <support@shop.example>"
    assert message["To"] == "buyer@example.net"
    assert message["Subject"] == "How did we do? Where is my parcel?"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"] == survey.message_id
    buyer_id = ticket.messages.get(kind="inbound").external_message_id
    assert message["In-Reply-To"] == buyer_id
    assert ThreadMessageId.objects.get(message_id=survey.message_id).direction == Direction.OUT
    assert message.get_body(("html",)) is not None

    text = plain_text(message)
    assert 'Your request "Where is my parcel?" was solved.' in text
    links = survey_links(message)
    # One link per rating, then the page itself (in the HTML part).
    assert [link.rsplit("=", 1)[1] for link in links] == ["5", "4", "3", "2", "1"]
    # Nothing of the agent or the order in the email.
    assert agent.username not in text
    assert agent.get_full_name() not in text or not agent.get_full_name()

    # The link opens the survey page, with the clicked rating chosen but not saved.
    page = client.get(links[1])
    assert page.status_code == 200
    assert re.search(r'value="4"[^>]* checked', page.content.decode())
    assert len(re.findall(r"<input [^>]*checked", page.content.decode())) == 1
    assert not TicketEvent.objects.filter(ticket=ticket, kind="csat").exists()


@pytest.mark.parametrize(
    ("language", "subject_start", "line"),
    [
        ("zh-CN", "我们做得怎么样？", "您的请求“Where is my parcel?”已解决。"),
        (
            "de",
            "Wie zufrieden waren Sie mit uns?",
            "Ihre Anfrage „Where is my parcel?“ wurde gelöst.",
        ),
        ("es", "¿Qué tal le hemos ayudado?", "Su solicitud «Where is my parcel?» se ha resuelto."),
        (
            "fr",
            "Votre avis sur notre aide :",
            "Votre demande « Where is my parcel? » a été résolue.",
        ),
        (
            "ja",
            "私たちの対応はいかがでしたか？",
            "お問い合わせ「Where is my parcel?」は解決しました。",
        ),
    ],
)
def test_the_email_speaks_the_buyers_language(
    mailbox: Mailbox,
    agent: User,
    smtp_server: SmtpServer,
    language: str,
    subject_start: str,
    line: str,
) -> None:
    ticket = buyer_ticket(mailbox, language=language)
    solve(ticket, agent)
    run_at(25)
    [message] = received(smtp_server)
    assert str(message["Subject"]).startswith(subject_start)
    assert line in plain_text(message)
    assert message["Content-Language"] == only_survey(ticket).language


def test_a_subject_with_line_breaks_cannot_add_headers(
    mailbox: Mailbox, agent: User, smtp_server: SmtpServer
) -> None:
    ticket = buyer_ticket(mailbox)
    Ticket.objects.filter(pk=ticket.pk).update(subject="Parcel\r\nBcc: thief@example.com")
    solve(ticket, agent)
    run_at(25)
    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == ["buyer@example.net"]
    [message] = received(smtp_server)
    assert message["Subject"] == "How did we do? Parcel Bcc: thief@example.com"
    assert message["Bcc"] is None
    assert only_survey(ticket).state == "sent"
