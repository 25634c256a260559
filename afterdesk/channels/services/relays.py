"""What every HTTP channel shares (docs/channels.md, "Webhooks and chat"): the body stored raw
before anything reads it, signatures compared in constant time, and one buyer message taken
into the desk through the ticket services, once.

`message_take` maps a conversation (`owner` + the buyer's thread id there) to a ticket: the
first message opens one (channel `chat` or `marketplace`, the buyer found or made, the orders
it names linked, language, issue type and priority from triage), the next ones are added to
it (reopening a solved one); after a *closed* ticket, the next message opens a new one. The
message's `dedup_key` is unique: a message delivered twice (a platform's retry, two processes
at once) is stored once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.channels.relay_models import (
    Conversation,
    PayloadState,
    RelayAttachment,
    RelayMessage,
    RelayPayload,
    RelaySource,
)
from afterdesk.channels.services.intake import (
    customer_for_email,
    orders_named,
    triage_first_message,
)
from afterdesk.commerce.models import Customer, CustomerIdentity, Store
from afterdesk.commerce.services import store_get_or_create
from afterdesk.core.errors import DomainError
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Status, Ticket

logger = logging.getLogger(__name__)

SUBJECT_CHARS = 80
# The channel of the tickets each source opens (tickets.models.Channel).
TICKET_CHANNEL = {
    RelaySource.FACEBOOK: "chat",
    RelaySource.INSTAGRAM: "chat",
    RelaySource.WIDGET: "chat",
    RelaySource.WEBHOOK: "marketplace",
}


class Unauthorized(DomainError):
    """A request without the credentials it needs (a missing signature): HTTP 401."""

    status = 401


class Forbidden(DomainError):
    """Credentials that do not match (a wrong signature, an old timestamp): HTTP 403."""

    status = 403


def signature_matches(*, secret: str, signed: bytes, given_hex: str) -> bool:
    """HMAC-SHA256 of `signed` with `secret`, compared with `given_hex` in constant time."""
    expected = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given_hex.strip().lower())


def payload_store(*, source: str, owner: str, body: bytes) -> RelayPayload:
    """The body as it arrived, committed before anything parses it."""
    with transaction.atomic():
        return RelayPayload.objects.create(
            source=source, owner=owner[:120], body=body, received_at=timezone.now()
        )


def payload_finish(payload: RelayPayload, *, taken: int, failure: str = "") -> None:
    payload.state = PayloadState.FAILED if failure else PayloadState.PROCESSED
    payload.reason = failure[:2000]
    payload.messages_taken = taken
    payload.attempts += 1
    payload.processed_at = timezone.now()
    payload.save(update_fields=["state", "reason", "messages_taken", "attempts", "processed_at"])


@dataclass
class IncomingMessage:
    """One buyer message, whatever its source."""

    source: str
    owner: str
    conversation_id: str
    message_id: str
    text: str
    sent_at: datetime
    store: Store | None = None
    sender_name: str = ""
    sender_email: str = ""
    sender_handle: str = ""  # the platform's id of the buyer (a Messenger PSID)
    order_text: str = ""  # an order number the platform names
    tags: list[str] = field(default_factory=list)
    # Files named by URL (Meta's attachments: kind, url), downloaded in the background onto
    # the ticket message (`services.meta_files`); their links stay in `text`.
    files: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TakeResult:
    message: RelayMessage
    stored: bool  # False: the same message was taken before

    @property
    def ticket_id(self) -> int | None:
        return self.message.conversation.ticket_id


def dedup_key_of(owner: str, message_id: str) -> str:
    key = f"{owner}:{message_id}"
    if len(key) <= 255:
        return key
    return f"sha256:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def message_take(incoming: IncomingMessage, *, payload: RelayPayload | None) -> TakeResult:
    """Store one buyer message on its conversation's ticket (see the module), once."""
    key = dedup_key_of(incoming.owner, incoming.message_id)
    for _attempt in range(2):
        known = _known(key)
        if known is not None:
            return TakeResult(known, stored=False)
        try:
            with transaction.atomic():
                return TakeResult(_take(incoming, key, payload), stored=True)
        except IntegrityError:
            # Another process took the same message (or opened the same conversation) first:
            # its transaction won; look again.
            logger.info("relay message %s raced; looking again", key)
    known = _known(key)
    if known is None:  # pragma: no cover - the constraint named a row that is not there
        raise RuntimeError(f"relay message {key} could not be stored")
    return TakeResult(known, stored=False)


def _known(key: str) -> RelayMessage | None:
    return RelayMessage.objects.filter(dedup_key=key).select_related("conversation").first()


def _take(incoming: IncomingMessage, key: str, payload: RelayPayload | None) -> RelayMessage:
    conversation, _created = Conversation.objects.get_or_create(
        owner=incoming.owner[:120],
        external_id=incoming.conversation_id[:200],
        defaults={"source": incoming.source},
    )
    # One message of a conversation at a time: the ticket it maps to is decided once.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    ticket = conversation.ticket
    if ticket is None or ticket.status == Status.CLOSED:
        ticket = _ticket_open(incoming, conversation, key)
        conversation.ticket = ticket
        event = ticket.events.get(kind="message")
    else:
        event = tickets.message_ingest(
            ticket=ticket, body=incoming.text, external_message_id=key, at=incoming.sent_at
        )
    if conversation.last_inbound_at is None or incoming.sent_at > conversation.last_inbound_at:
        conversation.last_inbound_at = incoming.sent_at
    conversation.save(update_fields=["ticket", "customer", "last_inbound_at"])
    message = RelayMessage.objects.create(
        payload=payload,
        conversation=conversation,
        dedup_key=key,
        ticket_message=Message.objects.get(event_id=event.pk),
        sent_at=incoming.sent_at,
    )
    if incoming.files:  # with the message, or not at all (its transaction)
        RelayAttachment.objects.bulk_create(
            RelayAttachment(
                message=message, kind=kind[:20], url=url, next_attempt_at=message.created_at
            )
            for kind, url in incoming.files
        )
    return message


def _ticket_open(incoming: IncomingMessage, conversation: Conversation, key: str) -> Ticket:
    orders = orders_named(incoming.order_text, incoming.text)
    store = incoming.store or (orders[0].store if orders else None)
    customer = conversation.customer or _customer(incoming, store)
    conversation.customer = customer
    triage = triage_first_message(subject="", body=incoming.text)
    return tickets.ticket_create(
        subject=subject_of(incoming.text),
        channel=TICKET_CHANNEL.get(RelaySource(incoming.source), "chat"),
        body=incoming.text,
        customer=customer,
        store=store or customer.store,
        orders=orders,
        language=triage.language,
        category=triage.category,
        priority=triage.priority,
        tags=incoming.tags,
        external_message_id=key,
        at=incoming.sent_at,
        triage=triage.decision,  # the ticket's `triage` event, with its reason
    )


def subject_of(text: str) -> str:
    """The first line of the message, shortened: chats have no subject."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first) > SUBJECT_CHARS:
        first = first[: SUBJECT_CHARS - 1].rstrip() + "…"
    return first or "(no text)"


def _customer(incoming: IncomingMessage, store: Store | None) -> Customer:
    """The buyer: by email address when the source gives one, else by the platform's id of
    them (a `handle` identity `<source>:<id>`), else a new customer."""
    name = incoming.sender_name[:200]
    if incoming.sender_email:
        return customer_for_email(address=incoming.sender_email, name=name, store=store)
    store = store or store_get_or_create(code=incoming.source)
    handle = f"{incoming.source}:{incoming.sender_handle}"[:254] if incoming.sender_handle else ""
    if handle:
        known = (
            CustomerIdentity.objects.filter(kind=CustomerIdentity.Kind.HANDLE, value=handle)
            .select_related("customer")
            .order_by("-customer_id")
            .first()
        )
        if known is not None:
            return known.customer
    customer = Customer.objects.create(store=store, name=name)
    if handle:
        CustomerIdentity.objects.create(
            customer=customer, kind=CustomerIdentity.Kind.HANDLE, value=handle
        )
    return customer
