"""Routing a batch of parsed messages (`channels.services.batch`): what `ingest._route` does
for one message, for many in one transaction, with what the messages need looked up with one
query each for the whole batch instead of per message:

- the Message-IDs their In-Reply-To/References (and bounces' returned messages) name, in
  the threads (`ThreadMessageId`) and in imported messages;
- the tickets those ids belong to, read and locked with their logs in one query
  (`tickets.services.TicketBatch.load`);
- the buyers' email identities (ASCII addresses; another address is looked up alone, as
  `intake.customer_for_email` does) and the orders the messages name. The addresses not
  found are then locked (`commerce.services.customer_address_locks`, one statement) and
  looked up again with one more query, so a buyer another process makes meanwhile is found,
  not made twice.

New buyers, tickets and their rows are written at the end, one INSERT per table.

Messages in the batch see each other as if each had been stored before the next: a reply to a
ticket opened earlier in the batch threads onto it (its Message-IDs are kept in `batch_ids`),
a buyer made by an earlier message is found again, a ticket's state is the one the earlier
messages left. The reply token and the bare `[#123]` are looked up per message (rare), among
stored tickets only: a buyer learns a ticket's number and token from the desk's replies,
which come after the batch that opened it.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models.functions import Upper

from afterdesk.channels.marketplace import MARKETPLACE_CHANNEL, Relay
from afterdesk.channels.mime import ParsedEmail
from afterdesk.channels.models import (
    Direction,
    EmailThread,
    InboundEmail,
    InboundState,
    ThreadMessageId,
)
from afterdesk.channels.order_refs import order_numbers, order_refs_find
from afterdesk.channels.services.ingest import _body
from afterdesk.channels.services.intake import (
    FALLBACK_STORE_CODE,
    store_of,
    triage_first_message,
)
from afterdesk.channels.services.marketplace import relay_of
from afterdesk.channels.services.threading import (
    _PLUS_TOKEN,
    _SUBJECT_NUMBER,
    _SUBJECT_TOKEN,
    ThreadMatch,
    message_id_key,
    token_new,
)
from afterdesk.commerce.models import Customer, CustomerIdentity, Order, Store
from afterdesk.commerce.services import customer_address_locks, store_get_or_create
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from afterdesk.tickets.services.batch import TicketBatch
from afterdesk.tickets.services.changes import rows_insert


@dataclass
class Routed:
    """One message of the batch: the stored row, its parse, and (when not automatic) its
    body and relay."""

    inbound: InboundEmail
    parsed: ParsedEmail
    body: str = ""
    relay: Relay | None = None
    event: TicketEvent | None = None  # the ticket message's event, once routed

    @property
    def address(self) -> str:
        """The buyer's address a new ticket would be found or made by."""
        return self.relay.reply_address if self.relay else self.parsed.sender


def _named(parsed: ParsedEmail) -> list[str]:
    return [*parsed.in_reply_to, *reversed(parsed.references)]


class BatchRouter:
    """Routes the messages of one batch, in order, into one `TicketBatch` (see the module)."""

    def __init__(self, messages: Sequence[Routed]) -> None:
        self.batch = TicketBatch()
        self.threads_new: list[EmailThread] = []
        self.new_customers: list[Customer] = []  # stored by `finish`, before the tickets
        self.new_identities: list[CustomerIdentity] = []
        self.batch_ids: dict[str, Ticket] = {}  # Message-ID keys recorded by the batch
        self.thread_ids: list[ThreadMessageId] = []
        self.identities: dict[str, list[CustomerIdentity]] = defaultdict(list)
        self.orders: dict[str, list[Order]] = defaultdict(list)
        self._fallback_store: Store | None = None
        for message in messages:
            if message.parsed.automatic is None:
                message.body = _body(message.parsed)
                message.relay = relay_of(message.parsed, message.body)
        self._threads_prefetch(messages)
        self._identities_prefetch(messages)
        self._orders_prefetch(messages)

    # ------------------------------------------------------------------ look-ups

    def _threads_prefetch(self, messages: Sequence[Routed]) -> None:
        keys: set[str] = set()
        forms: set[str] = set()
        for message in messages:
            for named in (_named(message.parsed), message.parsed.embedded_ids):
                keys.update(message_id_key(mid) for mid in named[:100])
                forms.update(form for mid in named[:100] for form in (mid, mid.strip("<>")) if form)
        self.db_ids: dict[str, int] = (
            dict(
                ThreadMessageId.objects.filter(message_id__in=keys).values_list(
                    "message_id", "ticket_id"
                )
            )
            if keys
            else {}
        )
        # Imported history's Message-IDs: only needed for messages no thread id answers.
        unanswered = {
            form
            for message in messages
            for named in (_named(message.parsed), message.parsed.embedded_ids)
            if not any(message_id_key(mid) in self.db_ids for mid in named[:100])
            for mid in named[:100]
            for form in (mid, mid.strip("<>"))
            if form
        }
        self.imported: dict[str, int] = (
            dict(
                Message.objects.filter(external_message_id__in=unanswered).values_list(
                    "external_message_id", "ticket_id"
                )
            )
            if unanswered
            else {}
        )
        # The stored tickets the messages answer, locked with their logs in one query.
        first_hits = set()
        for message in messages:
            for named in (_named(message.parsed), message.parsed.embedded_ids):
                hit = self._stored_id(named)
                if hit is not None:
                    first_hits.add(hit)
        tickets = list(Ticket.objects.filter(pk__in=first_hits).order_by("pk"))
        self.batch.load(tickets)

    def _identities_prefetch(self, messages: Sequence[Routed]) -> None:
        """The buyers' identities, and the locks of the addresses not found (see below)."""
        addresses = {message.address for message in messages if message.parsed.automatic is None}
        keys = {address[:254].upper() for address in addresses if address.isascii()}
        self._identities_find(keys)
        # A buyer not found may be made meanwhile by another process (a single message, another
        # batch): as `customer_for_email` does, the batch takes the lock of each address it may
        # make a buyer for, to the end of its transaction (in one order for every writer, so
        # two batches never wait for each other in a circle), then looks them up again with
        # one query. Addresses that turn out to thread onto a ticket are locked for nothing
        # (cheap); non-ASCII addresses are looked up alone later (`_customer`), after their
        # lock.
        new = [
            address
            for address in addresses
            if not address.isascii() or address[:254].upper() not in self.identities
        ]
        if not new:
            return
        customer_address_locks(new)  # one statement
        self._identities_find({address[:254].upper() for address in new if address.isascii()})

    def _identities_find(self, keys: set[str]) -> None:
        """The email identities of these upper-cased ASCII addresses, in one query."""
        if not keys:
            return
        found = (
            CustomerIdentity.objects.annotate(upper=Upper("value"))
            .filter(kind=CustomerIdentity.Kind.EMAIL, upper__in=keys)
            .select_related("customer")
            .order_by("-customer_id")
        )
        for identity in found:
            self.identities[identity.upper].append(identity)

    def _orders_prefetch(self, messages: Sequence[Routed]) -> None:
        numbers: set[str] = set()
        for message in messages:
            if message.parsed.automatic is None:
                numbers.update(order_numbers(order_refs_find(message.parsed.subject, message.body)))
        if numbers:
            for order in Order.objects.filter(number__in=numbers).select_related("store"):
                self.orders[order.number].append(order)

    def _orders_named(self, *texts: str) -> list[Order]:
        """`intake.orders_named` from the prefetched orders."""
        numbers = order_numbers(order_refs_find(*texts))
        found = {order.pk: order for number in numbers for order in self.orders.get(number, [])}
        rank = {number: index for index, number in enumerate(numbers)}
        return sorted(
            found.values(), key=lambda order: (rank.get(order.number, len(rank)), order.pk)
        )

    def _customer(self, *, address: str, name: str, store: Store | None) -> Customer:
        """`intake.customer_for_email` from the prefetched identities and the batch's own
        (a buyer the batch makes is stored by `finish`, before the tickets)."""
        value = address[:254]
        if address.isascii():
            known = self.identities.get(value.upper(), [])[:20]
        else:  # looked up alone, as `customer_for_email` does; the batch's own come first
            mine = [i for i in reversed(self.new_identities) if i.value.upper() == address.upper()]
            stored = CustomerIdentity.objects.filter(
                kind=CustomerIdentity.Kind.EMAIL, value__iexact=address
            ).select_related("customer")
            known = [*mine, *stored.order_by("-customer_id")[:20]][:20]
        if known:
            same_store = [i for i in known if store is not None and i.customer.store_id == store.pk]
            return (same_store or known)[0].customer
        if store is None:
            if self._fallback_store is None:
                self._fallback_store = store_get_or_create(code=FALLBACK_STORE_CODE)
            store = self._fallback_store
        customer = Customer(store=store, name=name[:200])
        identity = CustomerIdentity(
            customer=customer, kind=CustomerIdentity.Kind.EMAIL, value=value
        )
        self.new_customers.append(customer)
        self.new_identities.append(identity)
        if address.isascii():
            # The newest customer comes first, as `order_by("-customer_id")` gives it.
            self.identities[value.upper()].insert(0, identity)
        return customer

    def _stored_id(self, named: Sequence[str]) -> int | None:
        """The stored ticket the first known id of `named` belongs to (`_by_message_ids`)."""
        keys = [message_id_key(mid) for mid in named[:100]]
        ticket_id = next((self.db_ids[key] for key in keys if key in self.db_ids), None)
        if ticket_id is None:
            imported = self.imported
            ticket_id = next(
                (
                    imported.get(mid, imported.get(mid.strip("<>")))
                    for mid in named
                    if mid in imported or mid.strip("<>") in imported
                ),
                None,
            )
        return ticket_id

    def _ticket(self, pk: int) -> Ticket | None:
        """The batch's object of a ticket (its current state), else the stored ticket."""
        ticket = self.batch.ticket_of(pk)
        return ticket if ticket is not None else Ticket.objects.filter(pk=pk).first()

    def _by_message_ids(self, named: Sequence[str]) -> Ticket | None:
        """`threading._by_message_ids`, with the ids the batch has recorded so far."""
        keys = [message_id_key(mid) for mid in named[:100]]
        for key in keys:
            if key in self.db_ids:
                return self._ticket(self.db_ids[key])
            if key in self.batch_ids:
                return self.batch_ids[key]
        ticket_id = self._stored_id(named)
        return self._ticket(ticket_id) if ticket_id is not None else None

    def thread_find(
        self, *, named: Sequence[str], subject: str, recipients: Sequence[str], sender: str
    ) -> ThreadMatch | None:
        """`threading.thread_find` in the batch (see the module)."""
        if named:
            found = self._by_message_ids(named)
            if found is not None:
                return ThreadMatch(found, "header")
        claims = [(int(n), t.lower()) for n, t in _SUBJECT_TOKEN.findall(subject)]
        for address in recipients:
            claims += [(int(n), t.lower()) for n, t in _PLUS_TOKEN.findall(address)]
        for number, token in claims:
            # Only stored tickets: a token or number reaches a buyer in the desk's replies,
            # which come after the batch that opened the ticket.
            thread = EmailThread.objects.filter(ticket_id=number).first()
            if thread is not None and secrets.compare_digest(thread.token, token):
                ticket = self._ticket(number)
                if ticket is not None:
                    return ThreadMatch(ticket, "token")
        for number in _SUBJECT_NUMBER.findall(subject):
            ticket = self._ticket(int(number))
            customer_id = ticket.customer_id if ticket is not None else None
            if ticket is None or customer_id is None:
                continue
            if CustomerIdentity.objects.filter(
                customer_id=customer_id,
                kind=CustomerIdentity.Kind.EMAIL,
                value__iexact=sender,
            ).exists():
                return ThreadMatch(ticket, "customer")
        return None

    # ------------------------------------------------------------------ routing

    def route(self, message: Routed) -> None:
        """`ingest._route` of one message, into the batch (the same fields and states)."""
        inbound, parsed = message.inbound, message.parsed
        inbound.sender = parsed.sender
        inbound.subject = parsed.subject
        inbound.text_folded = parsed.text_folded
        inbound.html = parsed.html
        inbound.notes = list(parsed.notes)
        inbound.reason = ""
        match = self.thread_find(
            named=_named(parsed),
            subject=parsed.subject,
            recipients=parsed.recipients,
            sender=parsed.sender,
        )
        if parsed.automatic is not None:
            inbound.state = InboundState.AUTOMATIC
            inbound.automatic_kind = parsed.automatic.kind
            inbound.reason = parsed.automatic.reason
            if match is None and parsed.embedded_ids:
                # A bounce carries the message it returns: a reply of the desk names its ticket.
                match = self.thread_find(
                    named=parsed.embedded_ids, subject="", recipients=(), sender=""
                )
            inbound.ticket = match.ticket if match else None
            return
        event: TicketEvent
        if match is not None:
            event = self.batch.ingest(
                match.ticket,
                body=message.body,
                external_message_id=message_id_key(parsed.message_id),
                at=inbound.received_at,
            )
            stored = self.batch.ticket_of(match.ticket.pk) if match.ticket.pk else None
            ticket = stored or match.ticket
            inbound.state = InboundState.APPENDED
            inbound.reason = f"threaded by {match.by}"
        else:
            ticket, event = self._ticket_open(message)
            inbound.state = InboundState.OPENED
        inbound.ticket = ticket
        message.event = event
        key = message_id_key(parsed.message_id) if parsed.message_id else ""
        if key and key not in self.db_ids and key not in self.batch_ids:
            # A known id stays with its ticket (`thread_id_record`).
            self.batch_ids[key] = ticket
            self.thread_ids.append(
                ThreadMessageId(message_id=key, ticket=ticket, direction=Direction.IN, event=event)
            )

    def _ticket_open(self, message: Routed) -> tuple[Ticket, TicketEvent]:
        """`ingest._ticket_open` in the batch."""
        inbound, parsed, body, relay = message.inbound, message.parsed, message.body, message.relay
        mailbox = inbound.mailbox
        orders = self._orders_named(parsed.subject, body)
        store = store_of(mailbox, orders)
        customer = self._customer(
            address=message.address,
            name=relay.buyer_name if relay else parsed.sender_name,
            store=store,
        )
        triage = triage_first_message(subject=parsed.subject, body=body)
        inbound.triage = triage.details
        ticket, event = self.batch.create(
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
            triage=triage.decision,
        )
        self.threads_new.append(EmailThread(ticket=ticket, token=token_new(), mailbox=mailbox))
        return ticket, event

    def finish(self) -> None:
        """Write the batch's new buyers, its ticket changes, then its threads and thread
        ids (one INSERT each)."""
        rows_insert(self.new_customers)
        rows_insert(self.new_identities)
        self.batch.finish()
        EmailThread.objects.bulk_create(self.threads_new)
        ThreadMessageId.objects.bulk_create(self.thread_ids, ignore_conflicts=True)
