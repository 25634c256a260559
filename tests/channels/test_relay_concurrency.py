"""HTTP channel messages taken by several processes at once: one message is stored once, and
a new conversation's first messages open one ticket (the unique keys and the conversation's
row lock decide, not a read before the write)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections
from django.utils import timezone

from afterdesk.channels.relay_models import RelayMessage
from afterdesk.channels.services.relays import IncomingMessage, TakeResult, message_take
from afterdesk.tickets.models import Message, Ticket

THREADS = 6


def _incoming(message_id: str) -> IncomingMessage:
    return IncomingMessage(
        source="webhook",
        owner="webhook:race",
        conversation_id="conv-race",
        message_id=message_id,
        text=f"Where is my parcel? ({message_id})",
        sent_at=timezone.now(),
        sender_email="race@example.net",
    )


def _at_once(work: Callable[[int], TakeResult]) -> tuple[list[TakeResult], list[BaseException]]:
    barrier = threading.Barrier(THREADS)
    results: list[TakeResult] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _skip_on_sqlite() -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two takes can run at once"
        )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_message_taken_at_once_is_stored_once() -> None:
    _skip_on_sqlite()
    results, errors = _at_once(lambda _n: message_take(_incoming("m-1"), payload=None))

    assert errors == []
    assert sum(result.stored for result in results) == 1
    assert RelayMessage.objects.count() == 1
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_first_messages_of_a_new_conversation_at_once_open_one_ticket() -> None:
    _skip_on_sqlite()
    results, errors = _at_once(lambda n: message_take(_incoming(f"m-{n}"), payload=None))

    assert errors == []
    assert all(result.stored for result in results)
    ticket = Ticket.objects.get()
    assert ticket.messages.count() == THREADS
