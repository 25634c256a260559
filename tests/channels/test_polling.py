"""IMAP polling against a real Dovecot (tests/channels/servers.py): new mail is stored once,
a second poll fetches nothing, a new UIDVALIDITY reads the folder again without duplicating,
a server that is down or refuses the login is recorded on the mailbox, SSL and STARTTLS."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from afterdesk.channels.mailbox_models import MailboxConnection
from afterdesk.channels.models import InboundEmail, InboundState, Mailbox
from afterdesk.channels.services.polling import mailbox_poll, mailboxes_poll
from afterdesk.channels.tasks import mailboxes_poll_periodic
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail
from tests.channels.servers import (
    IMAP_PASSWORD,
    IMAP_USER,
    Dovecot,
    free_port,
)

pytestmark = pytest.mark.django_db


def imap_mailbox(server: Dovecot, *, security: str = "none", **extra: object) -> Mailbox:
    mailbox = Mailbox.objects.create(name="Support", address="support@shop.example")
    connection = MailboxConnection(
        mailbox=mailbox,
        imap_host="127.0.0.1",
        imap_port=server.ssl_port if security == "ssl" else server.port,
        imap_security=security,
        imap_username=IMAP_USER,
        **extra,
    )
    connection.set_password("imap", IMAP_PASSWORD)
    connection.save()
    return mailbox


def connection_of(mailbox: Mailbox) -> MailboxConnection:
    return MailboxConnection.objects.get(mailbox=mailbox)


def test_new_mail_is_stored_once_and_a_second_poll_fetches_nothing(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    dovecot.deliver(mail(message_id="<a@example.net>", subject="Where is my parcel?"))
    dovecot.deliver(
        mail(message_id="<b@example.net>", subject="Wrong size", sender="b@example.org")
    )

    first = mailbox_poll(mailbox)
    assert (first.error, first.stored, first.uids) == ("", 2, [1, 2])
    stored = list(InboundEmail.objects.order_by("id"))
    assert [(i.source, i.mailbox_id, i.state) for i in stored] == [
        ("imap", mailbox.pk, InboundState.OPENED),
        ("imap", mailbox.pk, InboundState.OPENED),
    ]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == [
        "Where is my parcel?",
        "Wrong size",
    ]
    state = connection_of(mailbox)
    assert state.last_uid == 2
    assert state.uidvalidity
    assert state.last_poll_ok_at is not None
    assert state.last_poll_error == ""

    again = mailbox_poll(mailbox)
    assert (again.stored, again.duplicates, again.uids) == (0, 0, [])
    assert InboundEmail.objects.count() == 2

    # Only what is new is fetched.
    dovecot.deliver(mail(message_id="<c@example.net>", subject="Refund?", sender="c@example.org"))
    third = mailbox_poll(mailbox)
    assert (third.stored, third.uids) == (1, [3])
    assert connection_of(mailbox).last_uid == 3


def test_polling_leaves_the_mail_unread_on_the_server(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    dovecot.deliver(mail())
    mailbox_poll(mailbox)
    client = dovecot.client()
    client.select("INBOX", readonly=True)
    status, data = client.uid("SEARCH", None, "UNSEEN")
    client.logout()
    assert (status, data[0].split()) == ("OK", [b"1"])


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    dovecot.deliver(mail(message_id="<a@example.net>"))
    dovecot.deliver(mail(message_id=None, subject="No id at all", sender="n@example.org"))
    assert mailbox_poll(mailbox).stored == 2
    before = connection_of(mailbox).uidvalidity
    assert before is not None

    dovecot.uidvalidity_set(before + 1000)
    dovecot.deliver(mail(message_id="<new@example.net>", subject="New one", sender="x@example.org"))
    result = mailbox_poll(mailbox)
    assert result.resynced
    # The two known messages are recognised (Message-ID, or the bytes without one).
    assert (result.stored, result.duplicates) == (1, 2)
    assert InboundEmail.objects.count() == 3
    assert Ticket.objects.count() == 3
    state = connection_of(mailbox)
    assert (state.uidvalidity, state.last_uid) == (before + 1000, 3)


def test_a_server_that_is_down_is_recorded_and_retried_next_time(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    MailboxConnection.objects.filter(mailbox=mailbox).update(imap_port=free_port())
    result = mailbox_poll(mailbox)
    assert "ConnectionRefusedError" in result.error
    state = connection_of(mailbox)
    assert "ConnectionRefusedError" in state.last_poll_error
    assert state.last_poll_error_at is not None
    assert state.last_poll_ok_at is None
    assert state.last_uid == 0

    # The periodic task never raises; the next period (server back) clears the error.
    MailboxConnection.objects.filter(mailbox=mailbox).update(imap_port=dovecot.port)
    dovecot.deliver(mail())
    assert mailboxes_poll_periodic.call_local() == 1
    state = connection_of(mailbox)
    assert state.last_poll_error == ""
    assert state.last_poll_ok_at is not None


def test_a_refused_login_is_recorded(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    connection = connection_of(mailbox)
    connection.set_password("imap", "wrong")
    connection.save()
    result = mailbox_poll(mailbox)
    assert "AUTHENTICATIONFAILED" in result.error or "Authentication failed" in result.error
    assert connection_of(mailbox).last_poll_error == result.error


def test_one_failing_mailbox_does_not_stop_the_others(dovecot: Dovecot) -> None:
    broken = Mailbox.objects.create(name="Old", address="old@shop.example")
    MailboxConnection.objects.create(
        mailbox=broken, imap_host="127.0.0.1", imap_port=free_port(), imap_security="none"
    )
    working = imap_mailbox(dovecot)
    disabled = Mailbox.objects.create(name="Off", address="off@shop.example")
    MailboxConnection.objects.create(mailbox=disabled, imap_host="127.0.0.1", enabled=False)
    dovecot.deliver(mail())
    results = {result.mailbox.pk: result for result in mailboxes_poll()}
    assert set(results) == {broken.pk, working.pk}
    assert results[broken.pk].error
    assert (results[working.pk].error, results[working.pk].stored) == ("", 1)


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls(
    dovecot: Dovecot, settings: Any, certificate: tuple[Path, Path], security: str
) -> None:
    mailbox = imap_mailbox(dovecot, security=security)
    dovecot.deliver(mail())
    # The server's certificate is self-signed: refused until its authority is trusted.
    refused = mailbox_poll(mailbox)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.error
    settings.MAIL_TLS_CA_FILE = str(certificate[0])
    accepted = mailbox_poll(mailbox)
    assert (accepted.error, accepted.stored) == ("", 1)


def test_the_poll_command(dovecot: Dovecot) -> None:
    mailbox = imap_mailbox(dovecot)
    dovecot.deliver(mail())
    out = StringIO()
    call_command("email", "poll", stdout=out)
    assert out.getvalue() == "support@shop.example: 1 new, 0 known\n"
    out = StringIO()
    call_command("email", "poll", "--mailbox", "support@shop.example", stdout=out)
    assert out.getvalue() == "support@shop.example: 0 new, 0 known\n"
    with pytest.raises(CommandError, match=r"no mailbox nobody@shop\.example"):
        call_command("email", "poll", "--mailbox", "nobody@shop.example")
    MailboxConnection.objects.filter(mailbox=mailbox).update(imap_port=free_port())
    with pytest.raises(CommandError, match="1 mailbox"):
        call_command("email", "poll", stdout=StringIO())


def test_a_password_the_key_cannot_read_is_recorded(
    dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = imap_mailbox(dovecot)
    monkeypatch.setenv("AFTERDESK_CREDENTIALS_KEY", Fernet.generate_key().decode())
    result = mailbox_poll(mailbox)
    assert "encrypted with another credentials key" in result.error
    assert "type it again" in connection_of(mailbox).last_poll_error


def test_the_worker_polls_and_sends_every_minute() -> None:
    """The consumer's schedule (what `afterdesk serve` and `afterdesk worker` run) holds the
    poll and the sending sweep at any minute."""
    from datetime import datetime

    from huey.contrib.djhuey import HUEY

    due = {task.name for task in HUEY.read_periodic(datetime(2026, 12, 4, 10, 17))}  # noqa: DTZ001
    assert {"mailboxes_poll_periodic", "replies_due_periodic"} <= due
