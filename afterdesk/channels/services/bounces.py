"""Bounces of the desk's replies (docs/channels.md, "Automatic mail").

A bounce is stored apart like all automatic mail (`services.ingest`: never a ticket message,
never reopening, never answered) and linked to the ticket of the message it returns. Here it
is read once more, for what the agent needs: `bounce_apply` finds the reply it returns (the
Message-ID in its `message/rfc822` or `text/rfc822-headers` part, or its In-Reply-To), keeps
the server's verdict (`ReplyBounce`: recipient, status, diagnostic from the
`message/delivery-status` part) and marks that reply's delivery `failed` with the reason, so
the ticket page and *Replies not sent* say the buyer did not get it.

`bounces_apply_pending` does it for every bounce not read yet: after `afterdesk email
ingest`, the raw-MIME endpoint and each minute's poll, and in the minute's sweep for
whatever took another way in. Reading a bounce twice changes nothing (one `ReplyBounce` per
inbound message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import Message as MimeMessage

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.channels.automatic import BOUNCE
from afterdesk.channels.mailbox_models import DeliveryState, ReplyBounce, ReplyDelivery
from afterdesk.channels.mime import MimeError, email_parse, storable
from afterdesk.channels.models import InboundEmail, InboundState

logger = logging.getLogger(__name__)

PENDING_DAYS = 7  # bounces older than that when first seen are history, not news
PENDING_BATCH = 200


@dataclass(frozen=True)
class Report:
    """What a delivery report says (RFC 3464): for whom, the status code, the diagnostic."""

    recipient: str = ""
    status: str = ""
    diagnostic: str = ""


def report_read(raw: bytes) -> Report:
    """The first failed recipient of the report's `message/delivery-status` part (any
    recipient without one marked failed); empty fields when the bounce has no such part."""
    message = message_from_bytes(raw, policy=policy.default)
    blocks: list[MimeMessage] = []
    for part in message.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                blocks += [block for block in payload if isinstance(block, MimeMessage)]
    recipients = [block for block in blocks if block.get("Final-Recipient")]
    failed = [b for b in recipients if str(b.get("Action", "")).strip().lower() == "failed"]
    if not (failed or recipients):
        return Report()
    chosen = (failed or recipients)[0]
    return Report(
        recipient=_after_type(chosen.get("Final-Recipient"))[:254],
        status=str(chosen.get("Status", "")).strip()[:20],
        diagnostic=" ".join(_after_type(chosen.get("Diagnostic-Code")).split())[:1000],
    )


def _after_type(value: object) -> str:
    """`rfc822; buyer@example.net` → `buyer@example.net` (the address or diagnostic type)."""
    text = storable(str(value or ""))
    return text.partition(";")[2].strip() if ";" in text else text.strip()


def bounce_apply(inbound: InboundEmail) -> ReplyBounce | None:
    """Read a bounce linked to a ticket (see the module); None for other mail. Once."""
    if inbound.state != InboundState.AUTOMATIC or inbound.automatic_kind != BOUNCE:
        return None
    if inbound.ticket_id is None:
        return None
    known = ReplyBounce.objects.filter(inbound=inbound).first()
    if known is not None:
        return known
    try:
        with inbound.raw.open("rb") as file:
            raw = file.read()
        parsed = email_parse(raw)
        report = report_read(raw)
    except (OSError, MimeError, ValueError) as error:
        # The bounce stays on the ticket; only its verdict is missing.
        logger.warning("bounce %s could not be read: %s", inbound.pk, error)
        parsed, report = None, Report(diagnostic=f"the report could not be read: {error}")
    returned = [*parsed.embedded_ids, *parsed.in_reply_to] if parsed else []
    delivery = (
        ReplyDelivery.objects.filter(ticket_id=inbound.ticket_id, message_id__in=returned)
        .order_by("-id")
        .first()
        if returned
        else None
    )
    try:
        with transaction.atomic():
            bounce = ReplyBounce.objects.create(
                inbound=inbound,
                delivery=delivery,
                recipient=report.recipient,
                status=report.status,
                diagnostic=report.diagnostic,
            )
            if delivery is not None:
                _delivery_bounced(delivery, report)
    except IntegrityError:  # read by another process at the same time
        return ReplyBounce.objects.filter(inbound=inbound).first()
    return bounce


def _delivery_bounced(delivery: ReplyDelivery, report: Report) -> None:
    """The reply did not reach the buyer: its delivery is failed with the server's words.
    Only a sent one (a resend on its way is left to finish and say how it went)."""
    words = " ".join(part for part in (report.status, report.diagnostic) if part)
    to = report.recipient or delivery.recipient
    ReplyDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENT).update(
        state=DeliveryState.FAILED,
        last_error=(f"bounced by {to}'s mail server: {words}" if words else f"bounced by {to}")[
            :2000
        ],
        last_error_at=timezone.now(),
        next_attempt_at=None,
    )


def bounces_apply_pending() -> int:
    """Read every bounce on a ticket not read yet (of the last PENDING_DAYS); how many."""
    since = timezone.now() - timedelta(days=PENDING_DAYS)
    pending = list(
        InboundEmail.objects.filter(
            state=InboundState.AUTOMATIC,
            automatic_kind=BOUNCE,
            ticket__isnull=False,
            bounce__isnull=True,
            received_at__gte=since,
        )
        .order_by("id")
        .defer("html", "text_folded")[:PENDING_BATCH]
    )
    return sum(1 for inbound in pending if bounce_apply(inbound) is not None)
