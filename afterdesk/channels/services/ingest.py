"""Inbound email: stored raw first, then parsed, threaded and written through the ticket
services (docs/channels.md).

`email_ingest(raw, source=…)` is the one entry point (the CLI, the API, the IMAP poller):

1. The bytes are written to MEDIA_ROOT (`email/raw/<sha256>.eml`, content-addressed) and an
   `InboundEmail` row is committed (state `received`) before anything parses them. The row's
   `dedup_key` (the Message-ID, or the SHA-256 without one) is unique among non-duplicates:
   the same message again (same key, same bytes) stores nothing and answers `duplicate`; the
   same Message-ID with other bytes is kept as a row of state `duplicate` (nothing lost).
2. `email_process(inbound)` parses and routes it in one transaction: automatic mail is
   stored apart (`automatic`), a reply is added to its ticket (`appended`), anything else
   opens a ticket (`opened`). Any failure rolls that transaction back and leaves the row
   `failed` with the reason; `email_retry` runs step 2 again (after a fix).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.channels.marketplace import MARKETPLACE_CHANNEL
from afterdesk.channels.mime import (
    MimeError,
    ParsedAttachment,
    ParsedEmail,
    email_parse,
    raw_message_id,
    storable,
)
from afterdesk.channels.models import Direction, InboundEmail, InboundState, Mailbox
from afterdesk.channels.services.intake import (
    customer_for_email,
    orders_named,
    store_of,
    triage_first_message,
)
from afterdesk.channels.services.marketplace import relay_of
from afterdesk.channels.services.threading import (
    email_thread_open,
    message_id_key,
    thread_find,
    thread_id_record,
)
from afterdesk.core.errors import DomainError
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Ticket, TicketEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    inbound: InboundEmail  # the row stored (for a duplicate without a row: the original)
    stored: bool  # a row was written by this call

    @property
    def state(self) -> str:
        return InboundState.DUPLICATE if not self.stored else self.inbound.state

    def line(self) -> str:
        """What happened, in one line (the CLI prints it per file)."""
        inbound = self.inbound
        ticket = f"#{inbound.ticket_id}" if inbound.ticket_id else ""
        if not self.stored:
            where = f" (ticket {ticket})" if ticket else ""
            return f"duplicate of inbound #{inbound.pk}{where}"
        state = inbound.state
        if state == InboundState.OPENED:
            return f"opened {ticket}"
        if state == InboundState.APPENDED:
            return f"added to {ticket}"
        if state == InboundState.DUPLICATE:
            return f"duplicate of inbound #{inbound.duplicate_of_id} (stored as #{inbound.pk})"
        if state == InboundState.AUTOMATIC:
            where = f" on {ticket}" if ticket else ""
            return f"stored as {inbound.automatic_kind.replace('_', '-')}{where} ({inbound.reason})"
        return f"{state}: {inbound.reason} (stored raw as #{inbound.pk})"


def email_ingest(
    raw: bytes,
    *,
    source: str,
    mailbox: Mailbox | None = None,
    received_at: datetime | None = None,
) -> IngestResult:
    """Store `raw` (see the module), then process it unless it is a duplicate."""
    sha256 = hashlib.sha256(raw).hexdigest()
    message_id = raw_message_id(raw)
    key = message_id_key(message_id) if message_id else f"sha256:{sha256}"
    original = _original(key)
    if original is not None and original.sha256 == sha256:
        return IngestResult(original, stored=False)
    inbound = InboundEmail(
        mailbox=mailbox,
        source=source[:20],
        size=len(raw),
        sha256=sha256,
        message_id=message_id[:1000],
        dedup_key=key,
        received_at=received_at or timezone.now(),
    )
    _raw_store(inbound, raw)
    if original is None:
        try:
            with transaction.atomic():
                inbound.save()
        except IntegrityError:
            # Another process stored the same Message-ID first (the unique constraint).
            original = _original(key)
            if original is None:  # pragma: no cover - the constraint named a row
                raise
            if original.sha256 == sha256:
                return IngestResult(original, stored=False)
    if original is not None:
        inbound.pk = None
        inbound.state = InboundState.DUPLICATE
        inbound.duplicate_of = original
        inbound.ticket_id = original.ticket_id
        inbound.reason = f"same Message-ID as inbound #{original.pk}, other content"
        inbound.processed_at = timezone.now()
        inbound.save()
        return IngestResult(inbound, stored=True)
    return IngestResult(email_process(inbound), stored=True)


def _original(key: str) -> InboundEmail | None:
    return InboundEmail.objects.filter(dedup_key=key).exclude(state=InboundState.DUPLICATE).first()


def _raw_store(inbound: InboundEmail, raw: bytes) -> None:
    """Write the bytes once per content (a file of the same SHA-256 is the same message)."""
    name = inbound.raw.field.generate_filename(inbound, "raw.eml")
    if default_storage.exists(name) and default_storage.size(name) == len(raw):
        inbound.raw.name = name
    else:
        inbound.raw.name = default_storage.save(name, ContentFile(raw))


PENDING = (InboundState.RECEIVED, InboundState.FAILED)


def email_retry(inbound: InboundEmail) -> InboundEmail:
    """Process a failed (or never processed) message again, e.g. after a fix."""
    if inbound.state not in PENDING:
        return inbound
    return email_process(inbound)


def email_process(inbound: InboundEmail) -> InboundEmail:
    """Parse and route a stored message; on any failure it is `failed` with the reason.

    The row is locked while it is processed and its state read again under the lock, so a
    retry clicked while the first attempt runs (or two retries) process it once."""
    inbound.attempts += 1
    try:
        with inbound.raw.open("rb") as file:
            raw = file.read()
        with transaction.atomic():
            state = (
                InboundEmail.objects.select_for_update()
                .filter(pk=inbound.pk)
                .values_list("state", flat=True)
                .first()
            )
            if state not in PENDING:  # processed meanwhile
                inbound.refresh_from_db()
                return inbound
            _route(inbound, raw)
            inbound.processed_at = timezone.now()
            inbound.save()
        return inbound
    except MimeError as error:
        reason = str(error)
    except Exception as error:  # nothing lost: the raw message stays, listed as failed
        logger.exception("inbound email %s failed", inbound.pk)
        reason = f"{type(error).__name__}: {error}"
    reason = storable(reason)
    # Only a message still pending is marked failed (not one another process finished).
    InboundEmail.objects.filter(pk=inbound.pk, state__in=PENDING).update(
        state=InboundState.FAILED,
        reason=reason[:2000],
        ticket=None,
        ticket_message=None,
        attempts=inbound.attempts,
        processed_at=timezone.now(),
        sender=inbound.sender,
        subject=inbound.subject,
        notes=inbound.notes,
    )
    inbound.refresh_from_db()
    return inbound


def _route(inbound: InboundEmail, raw: bytes) -> None:
    max_bytes = int(getattr(settings, "EMAIL_INBOUND_MAX_BYTES", 40 * 1024 * 1024))
    if len(raw) > max_bytes:
        raise MimeError(f"the message is {len(raw)} bytes; the limit is {max_bytes} bytes")
    parsed = email_parse(raw)
    inbound.sender = parsed.sender
    inbound.subject = parsed.subject
    inbound.text_folded = parsed.text_folded
    inbound.html = parsed.html
    inbound.notes = list(parsed.notes)
    inbound.reason = ""
    match = thread_find(
        in_reply_to=parsed.in_reply_to,
        references=parsed.references,
        subject=parsed.subject,
        recipients=parsed.recipients,
        sender=parsed.sender,
    )
    if parsed.automatic is not None:
        # Never a ticket of its own, never reopening one, never answered.
        inbound.state = InboundState.AUTOMATIC
        inbound.automatic_kind = parsed.automatic.kind
        inbound.reason = parsed.automatic.reason
        if match is None and parsed.embedded_ids:
            # A bounce carries the message it returns: a reply of the desk names its ticket.
            match = thread_find(
                in_reply_to=parsed.embedded_ids, references=(), subject="", recipients=(), sender=""
            )
        inbound.ticket = match.ticket if match else None
        return
    if match is not None:
        event = tickets.message_ingest(
            ticket=match.ticket,
            body=_body(parsed),
            external_message_id=message_id_key(parsed.message_id),
            at=inbound.received_at,
        )
        ticket = match.ticket
        inbound.state = InboundState.APPENDED
        inbound.reason = f"threaded by {match.by}"
    else:
        ticket, event = _ticket_open(inbound, parsed)
        inbound.state = InboundState.OPENED
    inbound.ticket = ticket
    inbound.ticket_message = _message_of(event)
    thread_id_record(
        ticket=ticket, message_id=parsed.message_id, direction=Direction.IN, event_id=event.pk
    )
    inbound.notes += _attachments_add(inbound.ticket_message, parsed)


def _body(parsed: ParsedEmail) -> str:
    if parsed.text.strip():
        return parsed.text
    if parsed.text_folded.strip():
        return parsed.text_folded
    return "(no text; see the attachments)" if parsed.attachments else "(no text)"


def _ticket_open(inbound: InboundEmail, parsed: ParsedEmail) -> tuple[Ticket, TicketEvent]:
    mailbox = inbound.mailbox
    body = _body(parsed)
    orders = orders_named(parsed.subject, body)
    store = store_of(mailbox, orders)
    # Amazon/eBay relay mail: the buyer is their relay alias, the ticket the marketplace's.
    relay = relay_of(parsed, body)
    customer = customer_for_email(
        address=relay.reply_address if relay else parsed.sender,
        name=relay.buyer_name if relay else parsed.sender_name,
        store=store,
    )
    triage = triage_first_message(subject=parsed.subject, body=body)
    inbound.triage = triage.details
    ticket = tickets.ticket_create(
        subject=parsed.subject or "(no subject)",
        channel=MARKETPLACE_CHANNEL if relay else "email",
        platform=relay.platform if relay else "",
        market=relay.market if relay else "",
        body=body,
        customer=customer,
        store=store,
        orders=orders,
        language=triage.language,
        category=triage.category,
        priority=triage.priority,
        external_message_id=message_id_key(parsed.message_id),
        at=inbound.received_at,
        # The decision as the ticket's `triage` event, with its reason (docs/triage.md).
        triage=triage.decision,
    )
    email_thread_open(ticket, mailbox=mailbox)
    message = Message.objects.select_related("event").get(ticket=ticket)
    return ticket, message.event


def _message_of(event: TicketEvent) -> Message:
    """The event's message row (cached on an event the ticket services just wrote)."""
    message = getattr(event, "message", None)
    return message if isinstance(message, Message) else Message.objects.get(event_id=event.pk)


def _attachments_add(message: Message, parsed: ParsedEmail) -> list[str]:
    """Save the attachments the tickets' rules accept (`tickets.services.attachments_check`:
    size, content sniffing, the total per message); a refused one stays in the raw message
    and is named in the returned notes."""
    notes: list[str] = []
    accepted: list[tickets.AttachmentIn] = []
    total = 0
    for attachment in parsed.attachments:
        candidate = tickets.AttachmentIn(
            attachment.filename, _declared_type(attachment), attachment.data
        )
        try:
            # Alone, then with the files kept so far: the message's total counts too.
            checked = tickets.attachments_check([candidate])[0]
            if total + len(attachment.data) > settings.ATTACHMENT_MAX_TOTAL_BYTES:
                tickets.attachments_check([*accepted, checked])
        except DomainError as error:
            notes.append(
                f"attachment {attachment.filename!r} kept in the raw message only: {error.message}"
            )
            continue
        total += len(attachment.data)
        accepted.append(checked)
    if accepted:
        tickets.attachments_save(message=message, files=accepted)
    return notes


def _declared_type(attachment: ParsedAttachment) -> str:
    """The declared type, with winmail.dat under its registered name."""
    if attachment.content_type in ("application/ms-tnef", "application/x-tnef"):
        return "application/vnd.ms-tnef"
    return attachment.content_type
