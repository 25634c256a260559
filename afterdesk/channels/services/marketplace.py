"""Marketplace relay mail in the desk (docs/channels.md, "Marketplace relays"): recognised on
intake (`relay_of`), answered through the relay (`relay_reply_address`), and an agent's reply
refused before it is stored when the platform would refuse it (`relay_reply_refuse`, a
`tickets.consumers.reply_checking` consumer registered in `channels.apps`)."""

from __future__ import annotations

from collections.abc import Sequence
from email import policy
from email.parser import BytesHeaderParser
from email.utils import parseaddr

from afterdesk.channels.marketplace import (
    MARKETPLACE_CHANNEL,
    Relay,
    relay_domain,
    relay_recognise,
    relay_reply_check,
    reply_to_addresses,
)
from afterdesk.channels.mime import ParsedEmail
from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.services import AttachmentIn


def relay_of(parsed: ParsedEmail, body: str) -> Relay | None:
    """The relay a parsed message came through (None for ordinary mail)."""
    return relay_recognise(
        from_address=parsed.sender,
        from_name=parsed.sender_name,
        reply_to=parsed.reply_to,
        subject=parsed.subject,
        body=body,
        authentication_results=parsed.authentication_results,
    )


def relay_reply_address(ticket: Ticket) -> str:
    """Where a reply on a marketplace ticket goes: the relay alias of the buyer's newest mail
    on it (read again from its stored headers), else the customer's relay alias; "" when
    neither is known. Never a non-relay address: the platform forbids reaching the buyer
    any other way."""
    newest = (
        InboundEmail.objects.filter(
            ticket_id=ticket.pk, state__in=(InboundState.OPENED, InboundState.APPENDED)
        )
        .order_by("-received_at", "-id")
        .only("id", "raw", "sender")[:5]
    )
    for inbound in newest:
        address = _stored_relay_address(inbound)
        if address:
            return address
    if ticket.customer_id is None:
        return ""
    aliases = (
        CustomerIdentity.objects.filter(
            customer_id=ticket.customer_id, kind=CustomerIdentity.Kind.EMAIL
        )
        .order_by("-id")
        .values_list("value", flat=True)
    )
    return next((alias.lower() for alias in aliases if relay_domain(alias)), "")


def _stored_relay_address(inbound: InboundEmail) -> str:
    if relay_domain(inbound.sender) is None and not inbound.raw:
        return ""
    reply_to: list[str] = []
    sender = inbound.sender
    if inbound.raw:
        try:
            with inbound.raw.open("rb") as file:
                head = file.read(64 * 1024).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            headers = BytesHeaderParser(policy=policy.default).parsebytes(head)
            reply_to = reply_to_addresses(str(headers.get("Reply-To", "") or ""))
            sender = parseaddr(str(headers.get("From", "") or ""))[1] or sender
        except (OSError, ValueError):  # the raw file is gone or unreadable: the sender column
            pass
    relay = relay_recognise(from_address=sender, reply_to=reply_to)
    return relay.reply_address if relay else ""


def relay_reply_refuse(*, ticket: Ticket, body: str, attachments: Sequence[AttachmentIn]) -> None:
    """Refuse (422, naming each problem) a reply on a marketplace ticket that its platform
    would refuse: nothing is stored."""
    if ticket.channel != MARKETPLACE_CHANNEL:
        return
    files = [(file.name, file.content_type, file.content) for file in attachments]
    problems = relay_reply_check(ticket.platform, body, files)
    if problems:
        field = problems[0].field
        raise ValidationError("; ".join(problem.message for problem in problems), field=field)
