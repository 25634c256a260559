"""Two first messages of a new buyer taken in at the same instant make one customer, not two
(`commerce.services.customer_for_email` looks again and creates under a lock on the address).
PostgreSQL only, with threads: the in-memory SQLite test database has one connection, and
SQLite's IMMEDIATE transactions serialise writers anyway."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from afterdesk.channels.services.ingest import email_ingest
from afterdesk.channels.services.relays import IncomingMessage, message_take
from afterdesk.commerce.models import Customer, CustomerIdentity, Store
from afterdesk.commerce.services import customer_for_email
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail
from tests.factories import T0

THREADS = 6


def _at_once(work: Callable[[int], object]) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            work(n)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two ingests can run at once"
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_first_mails_of_a_new_buyer_at_once_make_one_customer() -> None:
    _skip_on_sqlite()
    Store.objects.create(code="email", name="email")  # the race is for the customer only

    def ingest(n: int) -> None:
        raw = mail(
            sender="New Buyer <New.Buyer@example.net>" if n % 2 else "new.buyer@example.net",
            subject=f"Question {n}",
            message_id=f"<first-{n}@example.net>",
        )
        email_ingest(raw, source="race")

    assert _at_once(ingest) == []
    assert Ticket.objects.count() == THREADS  # six subjects: six tickets…
    assert Customer.objects.count() == 1  # …of one buyer
    assert CustomerIdentity.objects.count() == 1
    assert set(Ticket.objects.values_list("customer_id", flat=True)) == {Customer.objects.get().pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_webhook_and_a_mail_of_a_new_buyer_at_once_make_one_customer() -> None:
    _skip_on_sqlite()

    def take(n: int) -> None:
        if n % 2:
            email_ingest(mail(message_id=f"<mixed-{n}@example.net>"), source="race")
            return
        incoming = IncomingMessage(
            source="webhook",
            owner="webhook:otto",
            conversation_id=f"A-{n}",
            message_id=f"m-{n}",
            text="Where is my parcel?",
            sent_at=T0,
            sender_email="buyer@example.net",
        )
        message_take(incoming, payload=None)

    assert _at_once(take) == []
    assert Customer.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_first_mails_of_new_buyers_without_a_store_at_once_make_one_fallback_store() -> None:
    _skip_on_sqlite()

    def ingest(n: int) -> None:
        raw = mail(sender=f"buyer{n}@example.net", message_id=f"<store-{n}@example.net>")
        email_ingest(raw, source="race")

    assert _at_once(ingest) == []
    assert Customer.objects.count() == THREADS
    assert list(Store.objects.values_list("code", flat=True)) == ["email"]


@pytest.mark.django_db
def test_a_known_buyer_is_found_in_the_store_first() -> None:
    one, two = (Store.objects.create(code=c, name=c) for c in ("one", "two"))
    first = customer_for_email(address="b@example.net", name="B", store=one, fallback_store="x")
    second = Customer.objects.create(store=two, name="B at two")
    CustomerIdentity.objects.create(customer=second, kind="email", value="B@example.net")
    assert customer_for_email(address="b@example.net", name="", store=one, fallback_store="x") == (
        first
    )
    assert customer_for_email(address="b@example.net", name="", store=None, fallback_store="x") == (
        second  # the most recent
    )
    made = customer_for_email(address="c@example.net", name="C", store=None, fallback_store="x")
    assert (made.store.code, made.name) == ("x", "C")
