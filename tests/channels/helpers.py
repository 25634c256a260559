"""Shared helpers of the channel tests: the .eml corpus and messages built on the fly."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from tests.factories import T0

CORPUS = Path(__file__).resolve().parent.parent / "data" / "email"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def mail(
    *,
    sender: str = "Buyer One <buyer@example.net>",
    to: str = "support@shop.example",
    subject: str = "Where is my parcel?",
    body: str = "Hello, my parcel has not arrived.",
    message_id: str | None = "<m1@example.net>",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A small text/plain message as a mail client sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(T0)
    if message_id:
        message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()
