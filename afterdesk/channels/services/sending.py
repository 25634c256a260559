"""Agent replies sent by email (docs/channels.md, "Sending replies").

1. `delivery_queue` (run by the `tickets.consumers.reply_written` consumer once the reply is
   committed, so a reply costs the write path nothing): a reply on a ticket with a mail
   thread gets a `ReplyDelivery` row, `queued`. A process that dies between the commit and
   that row leaves a reply without one: `deliveries_missing_queue` (every minute) finds it.
2. `delivery_send` (a background task, right after the commit; `deliveries_send_due` every
   minute for retries and for first tries a restart lost): claims the row with one
   conditional UPDATE (a second job finds nothing to claim: a reply is sent once), fixes its
   headers at the first try (From the mailbox, To the buyer, the subject with the reply
   token, a new Message-ID recorded in the thread, In-Reply-To the buyer's newest message,
   References the thread), sends it through the mailbox's SMTP server and marks it `sent`.
3. A failure is recorded on the row (`last_error`, `attempts`) and retried after BACKOFF
   (1, 5, 25, 125, 625 minutes); after MAX_ATTEMPTS tries it is `failed`, listed for admins
   and shown on the reply in the ticket. `delivery_retry_now` queues it again.

A worker that dies after the server accepted the mail but before the row says `sent` sends it
again when its claim runs out (CLAIM_MINUTES): the same Message-ID, so the buyer's client
shows one message.
"""

from __future__ import annotations

import logging
import mimetypes
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection, ReplyDelivery
from afterdesk.channels.marketplace import MAILED_CHANNELS, MARKETPLACE_CHANNEL
from afterdesk.channels.models import EmailThread, InboundEmail, InboundState, Mailbox
from afterdesk.channels.services.mail_servers import (
    MAIL_ERRORS,
    error_text,
    smtp_close,
    smtp_connect,
)
from afterdesk.channels.services.marketplace import relay_reply_address
from afterdesk.channels.services.outgoing import (
    outgoing_message_id,
    reply_html,
    reply_subject,
    thread_headers,
)
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.tickets.models import Message, Ticket, TicketEvent

logger = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 25, 125, 625)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
CLAIM_MINUTES = 10
DUE_BATCH = 100
PENDING = (DeliveryState.QUEUED, DeliveryState.RETRYING)
LIVE_MINUTES = 5


class DeliveryProblem(Exception):
    """Why a reply cannot be sent as things are (no mailbox that sends, no address)."""


def delivery_queue(*, ticket_id: int, event_id: int) -> ReplyDelivery | None:
    """The delivery of the reply `event_id` when its ticket has a mail thread (it came by
    email); None otherwise. Made once (a second call returns the first)."""
    thread = EmailThread.objects.filter(ticket_id=ticket_id).values("mailbox_id").first()
    if thread is None:
        return None
    delivery, _created = ReplyDelivery.objects.get_or_create(
        event_id=event_id,
        defaults={
            "ticket_id": ticket_id,
            "mailbox_id": thread["mailbox_id"],
            "next_attempt_at": timezone.now(),
        },
    )
    return delivery


def deliveries_missing_queue() -> list[ReplyDelivery]:
    """Deliveries for the live replies of the last hour on mailed tickets that have none: the
    process died between the reply's commit and `delivery_queue`. A reply is live when it
    was recorded as it was written (`at` within minutes of `recorded_at`); imported history
    is never sent."""
    now = timezone.now()
    missing = (
        TicketEvent.objects.filter(
            kind="message",
            subtype="reply",
            recorded_at__gte=now - timedelta(hours=1),
            at__gte=F("recorded_at") - timedelta(minutes=LIVE_MINUTES),
            ticket__channel__in=MAILED_CHANNELS,
            ticket__email_thread__created_at__lte=F("recorded_at"),
            email_delivery__isnull=True,
        )
        .order_by("id")
        .values_list("ticket_id", "id")[:DUE_BATCH]
    )
    found = [delivery_queue(ticket_id=t, event_id=e) for t, e in missing]
    return [delivery for delivery in found if delivery is not None]


def _due_q(now: object) -> Q:
    return Q(state__in=PENDING, next_attempt_at__lte=now) | Q(
        state=DeliveryState.SENDING, locked_until__lt=now
    )


def deliveries_send_due() -> list[str]:
    """Send every delivery whose time has come (and any whose sender's claim ran out), after
    queueing any a crash left out (`deliveries_missing_queue`)."""
    deliveries_missing_queue()
    ids = list(
        ReplyDelivery.objects.filter(_due_q(timezone.now()))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:DUE_BATCH]
    )
    return [delivery_send(delivery_id) for delivery_id in ids]


def delivery_send(delivery_id: int) -> str:
    """Try to send one delivery now (if it is due and nobody else is at it); what happened."""
    now = timezone.now()
    claimed = (
        ReplyDelivery.objects.filter(_due_q(now), pk=delivery_id).update(
            state=DeliveryState.SENDING,
            locked_until=now + timedelta(minutes=CLAIM_MINUTES),
            attempts=F("attempts") + 1,
        )
        == 1
    )
    if not claimed:
        return f"delivery {delivery_id}: nothing to do"
    delivery = ReplyDelivery.objects.select_related("ticket", "event", "mailbox").get(
        pk=delivery_id
    )
    try:
        message = _message_build(delivery)
        if delivery.mailbox_id is None:
            raise DeliveryProblem("the reply's mailbox was deleted")
        connection = MailboxConnection.objects.get(mailbox_id=delivery.mailbox_id)
        if not connection.sends:
            raise DeliveryProblem(
                f"mailbox {delivery.sender} does not send: no SMTP server, or it is disabled"
            )
        smtp = smtp_connect(connection)
        try:
            smtp.send_message(message, from_addr=delivery.sender, to_addrs=[delivery.recipient])
        finally:
            smtp_close(smtp)
    except (*MAIL_ERRORS, DeliveryProblem, MailboxConnection.DoesNotExist) as error:
        return _failure_record(delivery, error)
    ReplyDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.SENT,
        sent_at=timezone.now(),
        locked_until=None,
        next_attempt_at=None,
        last_error="",
    )
    return f"delivery {delivery_id}: sent to {delivery.recipient} as {delivery.message_id}"


def _failure_record(delivery: ReplyDelivery, error: BaseException) -> str:
    text = (
        str(error)
        if isinstance(error, DeliveryProblem)
        else "the mailbox has no SMTP settings"
        if isinstance(error, MailboxConnection.DoesNotExist)
        else error_text(error)
    )
    now = timezone.now()
    final = delivery.attempts >= MAX_ATTEMPTS
    ReplyDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.FAILED if final else DeliveryState.RETRYING,
        next_attempt_at=None
        if final
        else now + timedelta(minutes=BACKOFF_MINUTES[delivery.attempts - 1]),
        locked_until=None,
        last_error=text[:2000],
        last_error_at=now,
    )
    logger.warning("reply delivery %s failed (try %s): %s", delivery.pk, delivery.attempts, text)
    return f"delivery {delivery.pk}: {'failed' if final else 'will retry'}: {text}"


def delivery_retry_now(delivery: ReplyDelivery) -> bool:
    """Queue a failed or waiting delivery for the next send (now); False if it is not one."""
    return bool(
        ReplyDelivery.objects.filter(
            pk=delivery.pk, state__in=(DeliveryState.FAILED, DeliveryState.RETRYING)
        ).update(
            state=DeliveryState.QUEUED,
            next_attempt_at=timezone.now(),
            # A failed one gets one more try before it is failed again.
            attempts=F("attempts") if delivery.attempts < MAX_ATTEMPTS else MAX_ATTEMPTS - 1,
        )
    )


def _message_build(delivery: ReplyDelivery) -> EmailMessage:
    if not delivery.message_id:
        _headers_fix(delivery)
    reply = Message.objects.prefetch_related("attachments").get(event_id=delivery.event_id)
    message = EmailMessage()
    mailbox = delivery.mailbox
    message["From"] = formataddr((mailbox.name if mailbox else "", delivery.sender))
    message["To"] = delivery.recipient
    message["Subject"] = delivery.subject
    message["Date"] = format_datetime(delivery.event.at)
    message["Message-ID"] = delivery.message_id
    if delivery.in_reply_to:
        message["In-Reply-To"] = delivery.in_reply_to
    if delivery.references:
        message["References"] = delivery.references
    # multipart/alternative: the plain text exactly as the agent wrote it, and the same words
    # as HTML for the clients that show that (attachments make it multipart/mixed around it).
    message.set_content(reply.body_text or "")
    message.add_alternative(reply_html(reply.body_text or ""), subtype="html")
    for attachment in reply.attachments.all():
        content_type = attachment.content_type or mimetypes.guess_type(attachment.filename)[0]
        maintype, _slash, subtype = (content_type or "application/octet-stream").partition("/")
        with attachment.file.open("rb") as file:
            data = file.read()
        message.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename
        )
    return message


@transaction.atomic
def _headers_fix(delivery: ReplyDelivery) -> None:
    """The first try's headers, kept for every retry; the Message-ID joins the thread."""
    ticket = delivery.ticket
    mailbox = delivery.mailbox or _sending_mailbox(ticket)
    if mailbox is None:
        raise DeliveryProblem("no mailbox with an SMTP server can send this reply")
    recipient = buyer_address(ticket)
    if not recipient:
        raise DeliveryProblem("the buyer's email address is unknown")
    headers = thread_headers(ticket=ticket)  # before our own id joins the thread
    delivery.mailbox = mailbox
    delivery.sender = mailbox.address
    delivery.recipient = recipient
    delivery.subject = reply_subject(ticket=ticket)
    delivery.in_reply_to = headers.get("In-Reply-To", "")
    delivery.references = headers.get("References", "")
    delivery.message_id = outgoing_message_id(ticket=ticket, event=delivery.event)
    delivery.save(
        update_fields=[
            "mailbox",
            "sender",
            "recipient",
            "subject",
            "in_reply_to",
            "references",
            "message_id",
        ]
    )


def _sending_mailbox(ticket: Ticket) -> Mailbox | None:
    """The mailbox the buyer last wrote to, else the first that sends (of the ticket's store
    first)."""
    inbound = (
        InboundEmail.objects.filter(ticket_id=ticket.pk, mailbox__isnull=False)
        .select_related("mailbox")
        .order_by("-received_at", "-id")
        .first()
    )
    if inbound is not None and inbound.mailbox is not None:
        return inbound.mailbox
    senders = Mailbox.objects.filter(connection__enabled=True).exclude(connection__smtp_host="")
    if ticket.store_id is not None:
        same_store = senders.filter(store_id=ticket.store_id).order_by("id").first()
        if same_store is not None:
            return same_store
    return senders.order_by("id").first()


def buyer_address(ticket: Ticket) -> str:
    """Where the reply goes: the sender of the buyer's newest mail on the ticket, else the
    customer's email address."""
    if ticket.channel == MARKETPLACE_CHANNEL:
        # Only ever the platform's relay alias (docs/channels.md, "Marketplace relays").
        return relay_reply_address(ticket)
    sender = (
        InboundEmail.objects.filter(
            ticket_id=ticket.pk, state__in=(InboundState.OPENED, InboundState.APPENDED)
        )
        .exclude(sender="")
        .order_by("-received_at", "-id")
        .values_list("sender", flat=True)
        .first()
    )
    if sender:
        return sender
    if ticket.customer_id is None:
        return ""
    return (
        CustomerIdentity.objects.filter(
            customer_id=ticket.customer_id, kind=CustomerIdentity.Kind.EMAIL
        )
        .order_by("-id")
        .values_list("value", flat=True)
        .first()
        or ""
    )
