"""The same message ingested by several processes at once is stored once (the unique
constraint on the Message-ID decides, not a read before the write)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.services.ingest import IngestResult, email_ingest, email_retry
from afterdesk.tickets.models import Ticket
from tests.channels.helpers import mail


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ingests_of_one_message_store_it_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two ingests can run at once"
        )
    threads_count = 6
    raw = mail(message_id="<race@example.net>")
    barrier = threading.Barrier(threads_count)
    results: list[IngestResult] = []
    errors: list[BaseException] = []

    def ingest() -> None:
        try:
            barrier.wait()
            results.append(email_ingest(raw, source="race"))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(result.stored for result in results) == 1
    assert InboundEmail.objects.get().state == InboundState.OPENED
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_retries_of_one_failed_message_process_it_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock (see above)")
    inbound = email_ingest(mail(message_id="<retry-race@example.net>"), source="race").inbound
    Ticket.objects.all().delete()
    InboundEmail.objects.filter(pk=inbound.pk).update(state=InboundState.FAILED, ticket=None)
    threads_count = 4
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def retry() -> None:
        try:
            barrier.wait()
            email_retry(InboundEmail.objects.get(pk=inbound.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=retry) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Ticket.objects.count() == 1
    assert InboundEmail.objects.get().state == InboundState.OPENED
