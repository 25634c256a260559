"""Which ticket a message belongs to (docs/channels.md, "Threading").

In this order, the first that answers wins:

1. In-Reply-To, then References (newest first), naming a Message-ID of a ticket's thread: the
   buyer's earlier messages and the desk's replies (`ThreadMessageId`), or a message imported
   with its Message-ID (`tickets.Message.external_message_id`).
2. The reply token: `[#123-k7f3mx2p]` in the subject or `…+t123-k7f3mx2p@…` among the
   recipients, whose secret part must be the ticket's (`EmailThread.token`).
3. A bare `[#123]` in the subject, only when the sender is an email address of that ticket's
   customer.

A guessed or forged ticket number alone (a wrong token, a stranger's `[#123]`) matches nothing:
the message opens a new ticket.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from afterdesk.channels.models import EmailThread, Mailbox, ThreadMessageId
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.tickets.models import Message, Ticket

# No 0/o, 1/l/i: read aloud, typed back. Not a password: the characters of reply tokens.
TOKEN_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # noqa: S105
TOKEN_LENGTH = 8
_SUBJECT_TOKEN = re.compile(r"\[#(\d{1,12})-([a-z0-9]{4,16})\]", re.IGNORECASE)
_SUBJECT_NUMBER = re.compile(r"\[#(\d{1,12})\]")
_PLUS_TOKEN = re.compile(r"\+t(\d{1,12})-([a-z0-9]{4,16})@", re.IGNORECASE)


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket
    by: str  # "header", "token" or "customer"


def message_id_key(message_id: str) -> str:
    """The form a Message-ID is stored and looked up in (`ThreadMessageId.message_id`, the
    inbound rows' `dedup_key`): itself, or its SHA-256 when longer than 255 characters."""
    if len(message_id) <= 255:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def token_new() -> str:
    return "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


def email_thread_for(ticket: Ticket, *, mailbox: Mailbox | None = None) -> EmailThread:
    """The ticket's mail thread (its reply token), made on first use."""
    thread, _created = EmailThread.objects.get_or_create(
        ticket=ticket, defaults={"token": token_new(), "mailbox": mailbox}
    )
    return thread


def email_thread_open(ticket: Ticket, *, mailbox: Mailbox | None) -> EmailThread:
    """The thread of a ticket opened by email in this transaction (it has none yet)."""
    return EmailThread.objects.create(ticket=ticket, token=token_new(), mailbox=mailbox)


def thread_find(
    *,
    in_reply_to: Sequence[str],
    references: Sequence[str],
    subject: str,
    recipients: Sequence[str],
    sender: str,
) -> ThreadMatch | None:
    """The ticket this message answers, by the rules of the module; None for a new ticket."""
    named = [*in_reply_to, *reversed(references)]
    if named:
        found = _by_message_ids(named)
        if found is not None:
            return ThreadMatch(found, "header")
    claims = [(int(n), t.lower()) for n, t in _SUBJECT_TOKEN.findall(subject)]
    for address in recipients:
        claims += [(int(n), t.lower()) for n, t in _PLUS_TOKEN.findall(address)]
    for number, token in claims:
        thread = EmailThread.objects.select_related("ticket").filter(ticket_id=number).first()
        if thread is not None and secrets.compare_digest(thread.token, token):
            return ThreadMatch(thread.ticket, "token")
    for number in _SUBJECT_NUMBER.findall(subject):
        ticket = Ticket.objects.filter(pk=int(number)).first()
        customer_id = ticket.customer_id if ticket is not None else None
        if ticket is None or customer_id is None:
            continue
        if CustomerIdentity.objects.filter(
            customer_id=customer_id, kind=CustomerIdentity.Kind.EMAIL, value__iexact=sender
        ).exists():
            return ThreadMatch(ticket, "customer")
    return None


def _by_message_ids(named: Sequence[str]) -> Ticket | None:
    """The ticket of the first id in `named` that a thread knows."""
    keys = [message_id_key(mid) for mid in named[:100]]
    known = dict(
        ThreadMessageId.objects.filter(message_id__in=keys).values_list("message_id", "ticket_id")
    )
    ticket_id = next((known[key] for key in keys if key in known), None)
    if ticket_id is None:
        # Imported history may keep Message-IDs with or without the angle brackets.
        forms = {form for mid in named[:100] for form in (mid, mid.strip("<>")) if form}
        imported = dict(
            Message.objects.filter(external_message_id__in=forms).values_list(
                "external_message_id", "ticket_id"
            )
        )
        ticket_id = next(
            (
                imported.get(mid, imported.get(mid.strip("<>")))
                for mid in named
                if mid in imported or mid.strip("<>") in imported
            ),
            None,
        )
    if ticket_id is None:
        return None
    return Ticket.objects.filter(pk=ticket_id).first()


def thread_id_record(
    *, ticket: Ticket, message_id: str, direction: str, event_id: int | None = None
) -> None:
    """Remember a Message-ID of the ticket's thread (a known id stays with its ticket)."""
    if not message_id:
        return
    # One INSERT … ON CONFLICT DO NOTHING: no read first, no savepoint.
    ThreadMessageId.objects.bulk_create(
        [
            ThreadMessageId(
                message_id=message_id_key(message_id),
                ticket=ticket,
                direction=direction,
                event_id=event_id,
            )
        ],
        ignore_conflicts=True,
    )
