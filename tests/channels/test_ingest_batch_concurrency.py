"""Batches ingested by several processes at once (PostgreSQL): overlapping batches store and
process each message once, and retries of the same failed messages process them once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.channels.services.batch import email_ingest_many, emails_retry
from afterdesk.channels.services.ingest import IngestResult
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from bench.ingest import messages_generate

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two batches can run at once"
        )


def _together(*work: Callable[[], Any]) -> list[Any]:
    """Run each callable in a thread of its own, started together; their results."""
    barrier = threading.Barrier(len(work))
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work[index]()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_overlapping_batches_store_and_process_each_message_once() -> None:
    _skip_on_sqlite()
    raws = messages_generate(60, seed=11)
    # One batch each, 20 messages in common: both store the common ones at the same moment
    # (the unique Message-ID makes one wait for the other, then refuse its row).
    first, second = _together(
        lambda: email_ingest_many(raws[:40], source="a", batch_size=40),
        lambda: email_ingest_many(raws[20:], source="b", batch_size=40),
    )

    results: list[IngestResult] = [*first, *second]
    assert not any(isinstance(result, OSError) for result in results)
    # Each of the 60 messages stored by exactly one of the two.
    assert sum(result.stored for result in results) == 60
    rows = list(InboundEmail.objects.all())
    assert len(rows) == 60
    assert len({row.dedup_key for row in rows}) == 60
    states = Counter(row.state for row in rows)
    assert states[InboundState.FAILED] == 0
    assert states[InboundState.RECEIVED] == 0
    # Each message became at most one ticket message, and each ticket message is one mail's.
    written = [row for row in rows if row.state in (InboundState.OPENED, InboundState.APPENDED)]
    assert all(row.ticket_message_id for row in written)
    assert Message.objects.count() == len(written)
    ids = list(
        Message.objects.exclude(external_message_id="").values_list(
            "external_message_id", flat=True
        )
    )
    assert len(ids) == len(set(ids))
    assert Ticket.objects.count() == states[InboundState.OPENED]
    # Every ticket's numbered, with its first message and triage.
    assert not Ticket.objects.filter(external_id__startswith="pending-").exists()
    assert TicketEvent.objects.filter(kind="triage").count() == Ticket.objects.count()


def test_concurrent_retries_of_the_same_failed_messages_process_them_once() -> None:
    _skip_on_sqlite()
    raws = messages_generate(30, seed=12)
    email_ingest_many(raws, source="t")
    Ticket.objects.all().delete()
    InboundEmail.objects.exclude(state=InboundState.AUTOMATIC).update(
        state=InboundState.FAILED, ticket=None, ticket_message=None, reason="disk full"
    )
    failed = list(
        InboundEmail.objects.filter(state=InboundState.FAILED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )

    def retry() -> list[InboundEmail]:
        return emails_retry(list(InboundEmail.objects.filter(pk__in=failed).order_by("pk")))

    _together(retry, retry, retry)

    rows = InboundEmail.objects.filter(pk__in=failed)
    assert not rows.filter(state=InboundState.FAILED).exists()
    written = rows.filter(state__in=(InboundState.OPENED, InboundState.APPENDED))
    assert written.count() == len(failed)
    assert Message.objects.count() == len(failed)
    assert Ticket.objects.count() == rows.filter(state=InboundState.OPENED).count()
