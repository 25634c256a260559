"""First mails of new buyers taken in by a batch while another process takes in first mails
of the same buyers (another batch, or one message alone) make one customer per address: the
batch locks the addresses it found no buyer for and looks them up again
(`channels.services.batch_route`, `commerce.services.customer_address_locks`).

PostgreSQL only, with threads (see tests/channels/test_customer_race.py). The interleaving is
forced, not left to chance: the first batch stops just before it writes its new buyers until
the other process has either finished (no lock: it made the buyers too) or waits for a lock
the batch holds (the fix: it will find the batch's buyers once the batch commits)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from django.db import connection, connections

from afterdesk.channels.models import InboundEmail
from afterdesk.channels.services import batch_route
from afterdesk.channels.services.batch import email_ingest_many
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.commerce.models import Customer, CustomerIdentity, Store
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# New buyers, in an order other than sorted (the batch locks them sorted), one non-ASCII
# (looked up alone, after its lock).
ADDRESSES = [
    "zoe@example.net",
    "Anna.Buyer@example.net",
    "JÜRGEN@müller.example",
    "mo@example.org",
]
WAIT = 30.0  # seconds: only reached if the other thread hangs


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two ingests can run at once"
        )


def _first_mails(prefix: str) -> list[bytes]:
    return [
        mail(
            sender=f"Buyer <{address}>",
            subject=f"{prefix} question {n}",
            message_id=f"<{prefix}-{n}@example.net>",
        )
        for n, address in enumerate(ADDRESSES)
    ]


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted", [pid])
        return cursor.fetchone() is not None


def _batch_against(
    other: Callable[[], object], monkeypatch: pytest.MonkeyPatch
) -> list[BaseException]:
    """A batch of first mails of `ADDRESSES`, held before it writes its new buyers while
    `other` runs in a second thread; the errors of both threads."""
    batch_thread: list[threading.Thread] = []
    routed = threading.Event()  # the batch looked its buyers up (and, fixed, holds the locks)
    other_done = threading.Event()
    other_pid: list[int] = []
    finish = batch_route.BatchRouter.finish

    def held_finish(router: batch_route.BatchRouter) -> None:
        if threading.current_thread() is batch_thread[0]:
            routed.set()
            deadline = time.monotonic() + WAIT
            while not other_done.is_set() and time.monotonic() < deadline:
                if other_pid and _waits_for_a_lock(other_pid[0]):
                    break
                time.sleep(0.02)
        finish(router)

    monkeypatch.setattr(batch_route.BatchRouter, "finish", held_finish)
    errors: list[BaseException] = []

    def run_batch() -> None:
        try:
            email_ingest_many(_first_mails("batch"), source="batch")
        except BaseException as error:
            errors.append(error)
        finally:
            routed.set()  # never leave the other thread waiting
            connections.close_all()

    def run_other() -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                other_pid.append(cursor.fetchone()[0])
            routed.wait(WAIT)
            other()
        except BaseException as error:
            errors.append(error)
        finally:
            other_done.set()
            connections.close_all()

    threads = [threading.Thread(target=run_batch), threading.Thread(target=run_other)]
    batch_thread.append(threads[0])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _one_customer_per_address(tickets: int) -> None:
    assert Ticket.objects.count() == tickets  # every mail a ticket of its own subject…
    # …of one buyer per address (as the parser spells it).
    identities = sorted(v.lower() for v in CustomerIdentity.objects.values_list("value", flat=True))
    assert identities == sorted(address.lower() for address in ADDRESSES)
    assert Customer.objects.count() == len(ADDRESSES)
    for inbound in InboundEmail.objects.select_related("ticket__customer"):
        assert inbound.ticket is not None
        assert inbound.ticket.customer is not None
        [identity] = inbound.ticket.customer.identities.all()
        assert identity.value.lower() == inbound.sender.lower()


@pytest.fixture
def email_store() -> Store:
    # Made before: the race is for the customers (the fallback store has its own test).
    return Store.objects.create(code="email", name="email")


def test_two_batches_of_first_mails_of_the_same_new_buyers_make_one_customer_each(
    email_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _skip_on_sqlite()
    errors = _batch_against(
        lambda: email_ingest_many(_first_mails("other"), source="other"), monkeypatch
    )
    assert errors == []
    _one_customer_per_address(tickets=2 * len(ADDRESSES))


def test_a_batch_and_single_first_mails_of_the_same_new_buyers_make_one_customer_each(
    email_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _skip_on_sqlite()

    def one_by_one() -> None:
        for raw in _first_mails("single"):
            email_ingest(raw, source="single")

    assert _batch_against(one_by_one, monkeypatch) == []
    _one_customer_per_address(tickets=2 * len(ADDRESSES))
