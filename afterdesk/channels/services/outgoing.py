"""What an outgoing reply carries so the buyer's client threads it and the buyer's answer
threads back (docs/channels.md, "Outgoing replies: what they carry"). The sending itself
(SMTP, retries: `services.sending`, docs/channels.md, "Sending replies") is built on these.

- `outgoing_message_id(ticket=, event=)`: `<ticket-{number}.{event id}.{random}@{domain}>`,
  remembered as the ticket's (an answer naming it threads onto the ticket).
- `thread_headers(ticket=)`: In-Reply-To (the buyer's newest message) and References (the
  thread's ids, oldest first, at most 20).
- `reply_subject(ticket=)`: `Re: {subject} [#{number}-{token}]`.
- `reply_address(ticket=, address=)`: `local+t{number}-{token}@domain`.
- `reply_html(text)`: the HTML alternative of a plain-text reply (the same words).
"""

from __future__ import annotations

import re
import secrets
from email.utils import parseaddr

from django.conf import settings
from django.utils.html import linebreaks, urlize

from afterdesk.channels.models import Direction, ThreadMessageId
from afterdesk.channels.services.threading import email_thread_for, thread_id_record
from afterdesk.tickets.models import Ticket, TicketEvent

_REPLY_PREFIX = re.compile(r"^\s*((re|aw|antw|sv|vs|odp|rif|r|回复|答复|回覆)\s*[:：]\s*)+", re.I)
_TOKEN_IN_SUBJECT = re.compile(r"\s*\[#\d+(?:-[a-z0-9]+)?\]", re.I)
REFERENCES_KEPT = 20


def message_id_domain() -> str:
    """The right-hand side of the desk's Message-IDs: EMAIL_MESSAGE_ID_DOMAIN, else the domain
    of DEFAULT_FROM_EMAIL."""
    configured = str(getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "") or "").strip()
    if configured:
        return configured
    address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
    domain = address.rpartition("@")[2].strip()
    return domain or "afterdesk.localhost"


def outgoing_message_id(*, ticket: Ticket, event: TicketEvent) -> str:
    """A new Message-ID for the reply `event` of `ticket`, recorded in its thread."""
    message_id = f"<ticket-{ticket.pk}.{event.pk}.{secrets.token_hex(6)}@{message_id_domain()}>"
    thread_id_record(
        ticket=ticket, message_id=message_id, direction=Direction.OUT, event_id=event.pk
    )
    return message_id


def thread_headers(*, ticket: Ticket) -> dict[str, str]:
    """In-Reply-To and References for the next message the desk sends on `ticket` (empty when
    the thread has no Message-ID yet)."""
    ids = list(
        ThreadMessageId.objects.filter(ticket=ticket)
        .order_by("id")
        .values_list("message_id", "direction")
    )
    ids = [(mid, direction) for mid, direction in ids if not mid.startswith("sha256:")]
    if not ids:
        return {}
    inbound = [mid for mid, direction in ids if direction == Direction.IN]
    references = [mid for mid, _direction in ids][-REFERENCES_KEPT:]
    return {
        "In-Reply-To": inbound[-1] if inbound else ids[-1][0],
        "References": " ".join(references),
    }


def reply_subject(*, ticket: Ticket) -> str:
    """`Re: {subject} [#{number}-{token}]`, without piling up prefixes or tokens."""
    subject = _TOKEN_IN_SUBJECT.sub("", _REPLY_PREFIX.sub("", ticket.subject or "")).strip()
    token = email_thread_for(ticket).token
    return f"Re: {subject} [#{ticket.pk}-{token}]".replace("Re:  [", "Re: [")


def reply_address(*, ticket: Ticket, address: str) -> str:
    """The mailbox `address` with the ticket's plus tag: `local+t{number}-{token}@domain`."""
    local, _at, domain = address.partition("@")
    token = email_thread_for(ticket).token
    return f"{local.split('+', 1)[0]}+t{ticket.pk}-{token}@{domain}"


def reply_html(text: str) -> str:
    """The reply's HTML part: the plain text escaped, its blank lines as paragraphs, its line
    breaks kept and its web addresses as links; nothing added, so both parts say the same.
    Mail clients that prefer HTML show this one (proportional font, clickable links)."""
    # urlize escapes the text around the links it makes; linebreaks must not escape again.
    body = linebreaks(urlize(text, nofollow=True, autoescape=True), autoescape=False)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        '<body><div dir="auto" style="font-family: sans-serif; line-height: 1.5">\n'
        f"{body}\n</div></body></html>\n"
    )
