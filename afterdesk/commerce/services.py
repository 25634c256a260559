"""Writes for stores, customers and orders."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction

from afterdesk.accounts.models import User
from afterdesk.commerce.consumers import customer_tags_changed
from afterdesk.commerce.models import Customer, CustomerIdentity, Platform, Store
from afterdesk.core.errors import NotFound, ValidationError

CUSTOMER_TAGS_MAX = 20
CUSTOMER_TAG_LENGTH = 50


def store_get_or_create(*, code: str, platform: str | None = None, market: str = "") -> Store:
    """The store with this history id; created on first mention (stores need no history line)."""
    store = Store.objects.filter(code=code).first()
    if store is not None:
        return store
    try:
        # A savepoint: two first mentions at once (two buyers' first mails) race for the
        # unique code; the loser takes the winner's store instead of failing its message.
        with transaction.atomic():
            return Store.objects.create(
                code=code,
                name=code,
                platform=platform if platform in Platform.values else Platform.OTHER,
                market=market,
            )
    except IntegrityError:
        return Store.objects.get(code=code)


def customer_for_email(
    *, address: str, name: str, store: Store | None, fallback_store: str
) -> Customer:
    """The customer with this email address (in `store` first, else the most recent one
    anywhere), or a new customer of `store` (of the store `fallback_store` without one).

    Race-safe: two first messages of a new buyer taken in at the same instant (two IMAP
    polls, a webhook and a mail) must find one customer, not make two. The same address may
    belong to customers of several stores (each shop knows its buyers), so no unique
    constraint can say it; instead a buyer not found is looked up again and created under a
    lock on the address, held to the end of the caller's transaction: the second caller
    waits, then finds the first one's customer. PostgreSQL: a transaction-level advisory lock
    on a hash of the lower-cased address. SQLite takes its write lock at the start of every
    transaction (`transaction_mode` IMMEDIATE, settings.py), which serialises the two
    already. A buyer found at the first look costs no lock (the usual case)."""
    known = _customer_by_email(address, store)
    if known is not None:
        return known
    with transaction.atomic():
        customer_address_lock(address)
        known = _customer_by_email(address, store)
        if known is not None:
            return known
        store = store or store_get_or_create(code=fallback_store)
        customer = Customer.objects.create(store=store, name=name[:200])
        CustomerIdentity.objects.create(
            customer=customer, kind=CustomerIdentity.Kind.EMAIL, value=address[:254]
        )
        return customer


def _customer_by_email(address: str, store: Store | None) -> Customer | None:
    identities = CustomerIdentity.objects.filter(
        kind=CustomerIdentity.Kind.EMAIL, value__iexact=address
    ).select_related("customer")
    known = list(identities.order_by("-customer_id")[:20])
    if not known:
        return None
    same_store = [i for i in known if store is not None and i.customer.store_id == store.pk]
    return (same_store or known)[0].customer


def customer_address_lock(address: str) -> None:
    """Wait for, then hold until the transaction ends, the lock of this email address (a
    no-op outside PostgreSQL). Writers that create customers by email address in bulk take
    the new addresses' locks with `customer_address_locks` instead."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # hashtextextended: PostgreSQL's own 64-bit hash of the text; a collision only makes
        # two addresses wait for each other.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 7517))", [_lock_text(address)]
        )


def customer_address_locks(addresses: Iterable[str]) -> None:
    """`customer_address_lock` of many addresses, in one statement (the email ingest's
    batches: lock the addresses not found, look them up again, create the missing ones).
    The locks are taken in the order of their ids, so two bulk writers never wait for each
    other in a circle (a single address's writer holds one lock: no circle either)."""
    texts = sorted({_lock_text(address) for address in addresses})
    if not texts or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The select list is evaluated after ORDER BY (PostgreSQL evaluates volatile output
        # expressions after the sort): one lock after the other, in id order.
        cursor.execute(
            "SELECT pg_advisory_xact_lock(id) FROM (SELECT DISTINCT hashtextextended(t, 7517)"
            " AS id FROM unnest(%s::text[]) AS t) AS ids ORDER BY id",
            [texts],
        )


def _lock_text(address: str) -> str:
    return f"customer-email:{address.strip().lower()}"


def customer_tags_require(user: User) -> None:
    """Supervisors and admins tag buyers (a VIP changes deadlines and routing); agents read."""
    if not user.is_active or not user.sees_all_tickets:
        raise PermissionDenied("only supervisors and admins tag customers")


def customer_tags_clean(tags: object) -> list[str]:
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    if not isinstance(tags, list | tuple) or not all(isinstance(tag, str) for tag in tags):
        raise ValidationError("tags must be a list of strings", field="tags")
    clean = sorted({tag.strip().lower() for tag in tags if tag.strip()})
    if any(len(tag) > CUSTOMER_TAG_LENGTH for tag in clean):
        raise ValidationError(f"a tag is at most {CUSTOMER_TAG_LENGTH} characters", field="tags")
    if len(clean) > CUSTOMER_TAGS_MAX:
        raise ValidationError(f"at most {CUSTOMER_TAGS_MAX} tags", field="tags")
    return clean


def customer_tags_set(*, by: User, customer_id: int, tags: object) -> Customer:
    """Replace a customer's tags (e.g. `vip`); the apps that match on them learn of it in the
    same transaction (`customer_tags_changed`: the SLA deadlines of their tickets move)."""
    customer_tags_require(by)
    clean = customer_tags_clean(tags)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if customer is None:
            raise NotFound("no such customer")
        if customer.tags != clean:
            customer.tags = clean
            customer.save(update_fields=["tags"])
            customer_tags_changed.notify(customer=customer)
    return customer
