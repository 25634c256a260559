"""Fixtures of the survey tests: a real SMTP server (aiosmtpd, tests/channels/servers.py), a
mailbox sending through it, and buyers' tickets opened by email and solved by an agent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import MailboxConnection
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.surveys.links import link_token
from afterdesk.surveys.models import Survey
from afterdesk.surveys.tasks import surveys_run
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail
from tests.channels.servers import SmtpServer, running_smtp

__all__ = ["smtp_server"]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with running_smtp() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    box = Mailbox.objects.create(name="Shop Support", address="support@shop.example")
    connection = MailboxConnection(
        mailbox=box,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_username="desk",
    )
    connection.set_password("smtp", "s3cret smtp")
    connection.save()
    return box


_sequence = iter(range(1, 1_000_000))


def buyer_ticket(
    mailbox: Mailbox | None,
    *,
    sender: str = "Buyer One <buyer@example.net>",
    subject: str = "Where is my parcel?",
    body: str = "Hello, my parcel has not arrived.",
    language: str | None = None,
) -> Ticket:
    """A ticket opened by the buyer's email (taken in as the poller does)."""
    raw = mail(
        sender=sender, subject=subject, body=body, message_id=f"<m{next(_sequence)}@buyer.example>"
    )
    ticket = email_ingest(raw, source="imap", mailbox=mailbox).inbound.ticket
    assert ticket is not None
    if language is not None:
        Ticket.objects.filter(pk=ticket.pk).update(language=language)
        ticket.refresh_from_db()
    return ticket


def solve(ticket: Ticket, agent: User, *, at: datetime | None = None) -> None:
    """The agent takes the ticket, answers and solves it in one click (now, unless `at`)."""
    tickets.ticket_assign(ticket=ticket, by=agent, agent=agent, at=at)
    tickets.message_reply(
        ticket=ticket, by=agent, body="It arrives tomorrow.", status="solved", at=at
    )


def run_at(hours: float) -> list[str]:
    """One run of the periodic job, `hours` from now."""
    return surveys_run(timezone.now() + timedelta(hours=hours))


def received(server: SmtpServer) -> list[EmailMessage]:
    return [
        message_from_bytes(envelope.original_content or b"", policy=policy.default)  # type: ignore[misc]
        for envelope in server.received
    ]


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def survey_links(message: EmailMessage) -> list[str]:
    """The survey links in the email's text, as the buyer clicks them (path and query)."""
    return [
        url.removeprefix("http://127.0.0.1:8000")
        for url in re.findall(r"http://127\.0\.0\.1:8000/s/\S+", plain_text(message))
    ]


def only_survey(ticket: Ticket) -> Survey:
    [survey] = Survey.objects.filter(ticket=ticket)
    return survey


def sent_survey(mailbox: Mailbox, agent: User, **ticket_options: Any) -> tuple[Survey, str]:
    """A solved ticket whose survey went out; the survey and its link (path)."""
    ticket = buyer_ticket(mailbox, **ticket_options)
    solve(ticket, agent)
    run_at(25)
    survey = only_survey(ticket)
    assert survey.state == "sent", survey.last_error
    return survey, f"/s/{link_token(survey_id=survey.pk, key=survey.key)}/"
