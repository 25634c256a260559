"""Connections to a mailbox's IMAP and SMTP servers (docs/channels.md, "Mailboxes"): SSL/TLS,
STARTTLS or plain, certificates checked against the system's authorities plus
AFTERDESK_MAIL_CA_FILE when set (a private authority or a self-signed server), a timeout on
every socket, and "test connection" for the mailbox page and API."""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import ssl
from dataclasses import dataclass

from django.conf import settings

from afterdesk.channels.mailbox_models import MailboxConnection, Security
from afterdesk.core.credentials import CredentialsError

MAIL_TIMEOUT_SECONDS = 30
# What a failing server, a refused login or an unreadable password raise: recorded, never
# crashing the poller or the sender.
MAIL_ERRORS = (OSError, imaplib.IMAP4.error, smtplib.SMTPException, CredentialsError)


class MailServerError(Exception):
    """The server answered something the desk cannot go on with (a NO to SELECT, …)."""


def tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    extra = str(getattr(settings, "MAIL_TLS_CA_FILE", "") or "")
    if extra:
        context.load_verify_locations(cafile=extra)
    return context


def imap_connect(connection: MailboxConnection) -> imaplib.IMAP4:
    """A logged-in IMAP client (the caller logs out)."""
    host, port = connection.imap_host, connection.port("imap")
    client: imaplib.IMAP4
    if connection.imap_security == Security.SSL:
        client = imaplib.IMAP4_SSL(
            host, port, ssl_context=tls_context(), timeout=MAIL_TIMEOUT_SECONDS
        )
    else:
        client = imaplib.IMAP4(host, port, timeout=MAIL_TIMEOUT_SECONDS)
        if connection.imap_security == Security.STARTTLS:
            client.starttls(ssl_context=tls_context())
    try:
        client.login(connection.imap_username, connection.password("imap"))
    except BaseException:
        _quietly_close_imap(client)
        raise
    return client


def imap_close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except MAIL_ERRORS:  # the work is done; a dead socket at the end changes nothing
        _quietly_close_imap(client)


def _quietly_close_imap(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError):
        client.shutdown()


def smtp_connect(connection: MailboxConnection) -> smtplib.SMTP:
    """A connected SMTP client, logged in when the mailbox has a username (caller quits)."""
    host, port = connection.smtp_host, connection.port("smtp")
    client: smtplib.SMTP
    if connection.smtp_security == Security.SSL:
        client = smtplib.SMTP_SSL(host, port, context=tls_context(), timeout=MAIL_TIMEOUT_SECONDS)
    else:
        client = smtplib.SMTP(host, port, timeout=MAIL_TIMEOUT_SECONDS)
    try:
        client.ehlo()
        if connection.smtp_security == Security.STARTTLS:
            client.starttls(context=tls_context())
            client.ehlo()
        if connection.smtp_username:
            client.login(connection.smtp_username, connection.password("smtp"))
    except BaseException:
        client.close()
        raise
    return client


def smtp_close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except MAIL_ERRORS:
        client.close()


@dataclass(frozen=True)
class ConnectionCheck:
    which: str  # "imap" or "smtp"
    ok: bool
    detail: str


def connection_test(connection: MailboxConnection) -> list[ConnectionCheck]:
    """Log in to each configured server (IMAP: and open the folder); what each answered."""
    checks: list[ConnectionCheck] = []
    if connection.imap_host:
        try:
            client = imap_connect(connection)
            try:
                status, data = client.select(quoted_folder(connection.imap_folder), readonly=True)
                if status != "OK":
                    raise MailServerError(f"cannot open folder {connection.imap_folder!r}")
                count = (data[0] or b"0").decode("ascii", "replace")
            finally:
                imap_close(client)
            checks.append(ConnectionCheck("imap", True, f"{connection.imap_folder}: {count}"))
        except (*MAIL_ERRORS, MailServerError) as error:
            checks.append(ConnectionCheck("imap", False, error_text(error)))
    if connection.smtp_host:
        try:
            smtp = smtp_connect(connection)
            try:
                code, _message = smtp.noop()
            finally:
                smtp_close(smtp)
            checks.append(ConnectionCheck("smtp", code == 250, f"NOOP answered {code}"))
        except MAIL_ERRORS as error:
            checks.append(ConnectionCheck("smtp", False, error_text(error)))
    return checks


def error_text(error: BaseException) -> str:
    """One line naming the error for the mailbox page and the delivery's record."""
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        return f"SMTP {error.smtp_code}: {text}"[:2000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in error.recipients.items()
        )
        return f"recipient refused: {refused}"[:2000]
    detail = str(error) or error.__class__.__name__
    return f"{type(error).__name__}: {detail}"[:2000]


def quoted_folder(folder: str) -> str:
    """An IMAP mailbox name as a quoted string (names with spaces, e.g. "Sent Items")."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
