"""Agent replies sent by email through a real SMTP server (aiosmtpd, tests/channels/servers.py):
the threading headers, the login with the stored (encrypted) password, retries with backoff
after a refusal, sent once when the job runs twice, failures kept and retried by an admin."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection, ReplyDelivery
from afterdesk.channels.models import Direction, Mailbox, ThreadMessageId
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.channels.services.outgoing import reply_html
from afterdesk.channels.services.sending import (
    BACKOFF_MINUTES,
    MAX_ATTEMPTS,
    deliveries_missing_queue,
    deliveries_send_due,
    delivery_retry_now,
    delivery_send,
)
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail
from tests.channels.servers import SmtpServer, running_smtp, server_tls_context
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_the_html_part_says_what_the_plain_text_says() -> None:
    """Escaped, paragraphs and line breaks kept, addresses as links, nothing added."""
    text = "Hello <Lena> & co,\nsee https://shop.example/returns?a=1&b=2\n\nBest,\nMax"
    html = reply_html(text)
    assert "<p>Hello &lt;Lena&gt; &amp; co,<br>see " in html
    assert '<a href="https://shop.example/returns?a=1&amp;b=2" rel="nofollow">' in html
    assert "<p>Best,<br>Max</p>" in html
    assert "<script" not in reply_html("<script>alert(1)</script>")


BUYER_ID = "<first@buyer.example>"


def smtp_mailbox(server: SmtpServer, **extra: Any) -> Mailbox:
    mailbox = Mailbox.objects.create(name="Shop Support", address="support@shop.example")
    fields: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": server.port,
        "smtp_security": "none",
        "smtp_username": "desk",
        **extra,
    }
    connection = MailboxConnection(mailbox=mailbox, **fields)
    connection.set_password("smtp", "s3cret smtp")
    connection.save()
    return mailbox


def buyer_ticket(mailbox: Mailbox | None) -> Ticket:
    raw = mail(
        sender="Buyer One <buyer@example.net>",
        subject="Where is my parcel?",
        message_id=BUYER_ID,
    )
    result = email_ingest(raw, source="imap", mailbox=mailbox)
    ticket = result.inbound.ticket
    assert ticket is not None
    return ticket


def reply(
    ticket: Ticket, agent: User, capture: Any, body: str = "It left today.", **extra: Any
) -> ReplyDelivery:
    with capture(execute=True):
        event = tickets.message_reply(ticket=ticket, by=agent, body=body, **extra)
    return ReplyDelivery.objects.get(event=event)


def plain_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # SMTP carries CRLF


def received(server: SmtpServer) -> list[EmailMessage]:
    return [
        message_from_bytes(envelope.original_content or b"", policy=policy.default)  # type: ignore[misc]
        for envelope in server.received
    ]


def test_a_reply_goes_out_with_the_threading_headers(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    mailbox = smtp_mailbox(smtp_server)
    ticket = buyer_ticket(mailbox)

    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == (DeliveryState.SENT, 1, "")
    [envelope] = smtp_server.received
    assert (envelope.mail_from, envelope.rcpt_tos) == (
        "support@shop.example",
        ["buyer@example.net"],
    )
    [message] = received(smtp_server)
    token = ticket.email_thread.token
    assert message["From"] == "Shop Support <support@shop.example>"
    assert message["To"] == "buyer@example.net"
    assert message["Subject"] == f"Re: Where is my parcel? [#{ticket.pk}-{token}]"
    assert message["In-Reply-To"] == BUYER_ID
    assert message["References"] == BUYER_ID
    assert message["Message-ID"] == delivery.message_id
    # multipart/alternative: the plain text as written, and the same words as HTML.
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None
    assert html is not None
    # SMTP carries CRLF line ends; the text is the agent's, unchanged.
    assert plain.get_content().replace("\r\n", "\n") == "It left today.\n"
    assert "<p>It left today.</p>" in html.get_content()
    # The Message-ID is the thread's: the buyer's answer to it lands on the ticket.
    assert ThreadMessageId.objects.get(message_id=delivery.message_id).direction == Direction.OUT
    assert smtp_server.logins == [("desk", "s3cret smtp")]

    answer = mail(
        sender="buyer@example.net",
        subject=f"Re: {message['Subject']}",
        message_id="<second@buyer.example>",
        in_reply_to=delivery.message_id,
        references=f"{BUYER_ID} {delivery.message_id}",
        body="Thanks!",
    )
    assert email_ingest(answer, source="imap", mailbox=mailbox).inbound.ticket_id == ticket.pk

    # The next reply answers the newest message and carries the whole chain.
    second = reply(ticket, agent, django_capture_on_commit_callbacks, body="You're welcome.")
    second.refresh_from_db()
    last = received(smtp_server)[-1]
    assert last["In-Reply-To"] == "<second@buyer.example>"
    assert last["References"].split() == [BUYER_ID, delivery.message_id, "<second@buyer.example>"]
    assert second.message_id != delivery.message_id


def test_the_smtp_password_is_stored_encrypted(smtp_server: SmtpServer) -> None:
    mailbox = smtp_mailbox(smtp_server)
    stored = MailboxConnection.objects.filter(mailbox=mailbox).values_list(
        "smtp_password_encrypted", flat=True
    )[0]
    assert stored
    assert "s3cret" not in stored
    assert MailboxConnection.objects.get(mailbox=mailbox).password("smtp") == "s3cret smtp"


def test_the_reply_s_attachments_go_with_it(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    upload = SimpleUploadedFile("label.txt", b"tracking JD0001\n", content_type="text/plain")
    reply(ticket, agent, django_capture_on_commit_callbacks, attachments=[upload])
    [message] = received(smtp_server)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "label.txt"
    assert attachment.get_content() == "tracking JD0001\n"
    # The text stays multipart/alternative inside the multipart/mixed.
    assert message.get_content_type() == "multipart/mixed"
    assert plain_text(message) == "It left today.\n"
    assert message.get_body(("html",)) is not None


def test_a_refusal_is_recorded_and_retried_with_backoff(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    smtp_server.refuse = "550 5.7.1 Relaying denied"
    before = timezone.now()
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.attempts == 1
    assert delivery.last_error == "SMTP 550: 5.7.1 Relaying denied"
    assert delivery.next_attempt_at is not None
    wait = delivery.next_attempt_at - before
    assert (
        timedelta(minutes=BACKOFF_MINUTES[0])
        <= wait
        < timedelta(minutes=BACKOFF_MINUTES[0], seconds=30)
    )
    first_id = delivery.message_id

    # Not due yet: the periodic sweep leaves it.
    assert deliveries_send_due() == []
    # A minute later the server accepts: the same message (same Message-ID) goes out.
    smtp_server.refuse = ""
    ReplyDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert len(deliveries_send_due()) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.message_id) == ("sent", 2, first_id)
    assert [m["Message-ID"] for m in received(smtp_server)] == [first_id]


def test_after_the_last_try_it_is_failed_until_an_admin_retries(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    smtp_server.refuse = "554 5.0.0 No"
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    waits = []
    for _ in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        assert delivery.state == DeliveryState.RETRYING
        assert delivery.next_attempt_at is not None
        waits.append(
            round((delivery.next_attempt_at - delivery.last_error_at).total_seconds() / 60)
        )
        ReplyDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        deliveries_send_due()
    assert waits == list(BACKOFF_MINUTES)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == (
        DeliveryState.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert deliveries_send_due() == []  # failed stays failed

    smtp_server.refuse = ""
    assert delivery_retry_now(delivery)
    assert len(deliveries_send_due()) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    assert len(smtp_server.received) == 1


def test_a_job_running_twice_sends_once(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    with django_capture_on_commit_callbacks(execute=False):  # not sent yet
        event = tickets.message_reply(ticket=ticket, by=agent, body="Hello")
    [delivery] = deliveries_missing_queue()
    assert (delivery.event_id, delivery.state) == (event.pk, DeliveryState.QUEUED)
    assert deliveries_missing_queue() == []  # made once
    assert ReplyDelivery.objects.count() == 1
    assert smtp_server.received == []

    first = delivery_send(delivery.pk)
    second = delivery_send(delivery.pk)
    assert first.startswith(f"delivery {delivery.pk}: sent to buyer@example.net")
    assert second == f"delivery {delivery.pk}: nothing to do"
    assert deliveries_send_due() == []
    assert len(smtp_server.received) == 1


def test_a_lost_first_try_and_a_crashed_sender_are_picked_up(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    # The process died right after the commit of "one": no delivery row, nothing queued.
    with django_capture_on_commit_callbacks(execute=False):
        lost = tickets.message_reply(ticket=ticket, by=agent, body="one")
    assert not ReplyDelivery.objects.filter(event=lost).exists()
    # A sender that claimed "two" and died: its claim has run out.
    with django_capture_on_commit_callbacks(execute=False):
        crashed = tickets.message_reply(ticket=ticket, by=agent, body="two")
    deliveries_missing_queue()
    ReplyDelivery.objects.filter(event=crashed).update(
        state=DeliveryState.SENDING, locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert len(deliveries_send_due()) == 2
    assert set(ReplyDelivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert sorted(plain_text(m).strip() for m in received(smtp_server)) == ["one", "two"]


def test_replies_written_into_the_past_are_never_swept_into_sending(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    """History written with an earlier date (an import) is not mail to send now."""
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    with django_capture_on_commit_callbacks(execute=False):
        tickets.message_reply(
            ticket=ticket, by=agent, body="old", at=timezone.now() - timedelta(hours=3)
        )
    assert deliveries_missing_queue() == []
    assert deliveries_send_due() == []
    assert smtp_server.received == []


def test_no_mailbox_that_sends_is_a_visible_failure(
    agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(None)  # ingested from a file: no mailbox, and none configured
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.last_error == "no mailbox with an SMTP server can send this reply"


def test_a_mailbox_configured_later_sends_the_waiting_reply(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = buyer_ticket(None)
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    smtp_mailbox(smtp_server)
    ReplyDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    deliveries_send_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.sender) == (DeliveryState.SENT, "support@shop.example")


def test_replies_that_did_not_come_by_email_and_notes_send_nothing(
    smtp_server: SmtpServer, agent: User, django_capture_on_commit_callbacks: Any
) -> None:
    smtp_mailbox(smtp_server)
    typed_in = TicketFactory(channel="email")  # an email ticket imported, no mail thread
    web = TicketFactory(channel="web")
    emailed = buyer_ticket(None)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.message_reply(ticket=typed_in, by=agent, body="Hi")
        tickets.message_reply(ticket=web, by=agent, body="Hi")
        tickets.note_add(ticket=emailed, by=agent, body="internal")
    assert ReplyDelivery.objects.count() == 0
    assert smtp_server.received == []


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_smtp_over_tls(
    settings: Any,
    agent: User,
    certificate: tuple[Path, Path],
    django_capture_on_commit_callbacks: Any,
    security: str,
) -> None:
    context = server_tls_context(certificate)
    options = {"ssl_context": context} if security == "ssl" else {"tls_context": context}
    with running_smtp(**options) as server:
        ticket = buyer_ticket(smtp_mailbox(server, smtp_security=security))
        # The server's certificate is self-signed: refused until its authority is trusted.
        refused = reply(ticket, agent, django_capture_on_commit_callbacks)
        refused.refresh_from_db()
        assert refused.state == DeliveryState.RETRYING
        assert "CERTIFICATE_VERIFY_FAILED" in refused.last_error
        assert server.logins == []  # the password never left unencrypted

        settings.MAIL_TLS_CA_FILE = str(certificate[0])
        ReplyDelivery.objects.filter(pk=refused.pk).update(next_attempt_at=timezone.now())
        deliveries_send_due()
        refused.refresh_from_db()
        assert refused.state == DeliveryState.SENT
        assert server.logins == [("desk", "s3cret smtp")]
        assert len(server.received) == 1


def test_a_password_the_key_cannot_read_is_a_visible_failure(
    smtp_server: SmtpServer,
    agent: User,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    # The credentials key was replaced since the password was stored.
    monkeypatch.setenv("AFTERDESK_CREDENTIALS_KEY", Fernet.generate_key().decode())
    delivery = reply(ticket, agent, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING
    assert "encrypted with another credentials key" in delivery.last_error
    assert smtp_server.received == []
