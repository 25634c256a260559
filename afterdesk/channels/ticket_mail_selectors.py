"""Automatic mail on a ticket's conversation (docs/channels.md, "Automatic mail"): the
auto-replies, bounces and bulk mail that thread to a ticket are shown on its page, marked,
folded, between the messages they came after. They are not ticket messages (never counted as
the buyer's, never reopening, never answered); this is a read for the page only. The caller
has authorised the ticket (the ticket page's own rule)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from afterdesk.channels.mailbox_models import ReplyBounce
from afterdesk.channels.mime import MimeError, email_parse
from afterdesk.channels.models import InboundEmail, InboundState

logger = logging.getLogger(__name__)

SHOWN = 20  # the newest; older ones stay listed on the Inbound email page
TEXT_CHARS = 4000


@dataclass(frozen=True)
class AutomaticMail:
    inbound_id: int
    kind: str  # channels.automatic: auto_reply, bounce, bulk
    sender: str
    subject: str
    received_at: datetime
    reason: str  # the header that made it automatic
    text: str  # what it says, shortened
    bounce: ReplyBounce | None  # a bounce's verdict, once read (services.bounces)


def automatic_mail_of_ticket(*, ticket_id: int) -> list[AutomaticMail]:
    """The ticket's automatic mail, oldest first (the newest SHOWN); one query, then each
    stored message read again for its text (automatic mail keeps no ticket message)."""
    rows = list(
        InboundEmail.objects.filter(ticket_id=ticket_id, state=InboundState.AUTOMATIC)
        .select_related("bounce")
        .defer("html")
        .order_by("-received_at", "-id")[:SHOWN]
    )
    return [_shown(row) for row in reversed(rows)]


def _shown(inbound: InboundEmail) -> AutomaticMail:
    return AutomaticMail(
        inbound_id=inbound.pk,
        kind=inbound.automatic_kind,
        sender=inbound.sender,
        subject=inbound.subject,
        received_at=inbound.received_at,
        reason=inbound.reason,
        text=_text(inbound),
        bounce=getattr(inbound, "bounce", None),
    )


def _text(inbound: InboundEmail) -> str:
    try:
        with inbound.raw.open("rb") as file:
            parsed = email_parse(file.read())
    except (OSError, MimeError, ValueError) as error:
        logger.warning("automatic mail %s could not be read: %s", inbound.pk, error)
        return inbound.text_folded[:TEXT_CHARS]
    text = parsed.text.strip() or parsed.text_folded.strip()
    return text[:TEXT_CHARS] + ("…" if len(text) > TEXT_CHARS else "")
