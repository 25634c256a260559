"""A real local SMTP server (aiosmtpd) for the tests of the desk's outgoing mail: the
`smtp_server` fixture starts one on a free port and records each message it accepts; with
`refuse` set it answers 451 (try again later) instead. `smtp_settings(port)` points Django's
SMTP backend at it. The notifications and alerts tests share it through their conftests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: Message


@dataclass
class Mailbox:
    """What aiosmtpd received, message by message."""

    port: int
    messages: list[Received] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse:
            return "451 Try again later"
        content = envelope.original_content or b""
        self.messages.append(
            Received(
                envelope_from=envelope.mail_from or "",
                recipients=list(envelope.rcpt_tos),
                message=message_from_bytes(content),
            )
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    mailbox = Mailbox(port=free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def smtp_settings(port: int, *, sender: str, **extra: Any) -> dict[str, Any]:
    """Django's settings sending through the local server at `port`, from `sender`."""
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_TIMEOUT": 5,
        "DEFAULT_FROM_EMAIL": sender,
        **extra,
    }
