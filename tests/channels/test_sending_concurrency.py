"""Several workers sending one reply at once (a task and the minute's sweep, or a task run
twice): the conditional UPDATE that claims it lets one through, the SMTP server receives
one message. PostgreSQL only (the SQLite test database is one in-memory connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from afterdesk.accounts.models import Role
from afterdesk.channels.mailbox_models import DeliveryState, ReplyDelivery
from afterdesk.channels.services.sending import deliveries_missing_queue, delivery_send
from afterdesk.tickets import services as tickets
from afterdesk.tickets.consumers import reply_written
from tests.channels.servers import SmtpServer
from tests.channels.test_sending import buyer_ticket, smtp_mailbox
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_sends_of_one_reply_send_it_once(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip(
            "SQLite serialises writers on one database lock and the test database is in "
            "memory, shared by one connection: no two sends can run at once"
        )
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    agent = UserFactory(role=Role.AGENT)
    # Committed without its task (as if the process died right after the commit).
    monkeypatch.setattr(reply_written, "_consumers", [])
    tickets.message_reply(ticket=ticket, by=agent, body="Once only")
    monkeypatch.undo()
    [delivery] = deliveries_missing_queue()
    workers = 6
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def send() -> None:
        try:
            barrier.wait()
            outcomes.append(delivery_send(delivery.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum("sent to" in outcome for outcome in outcomes) == 1
    assert len(smtp_server.received) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)
    assert ReplyDelivery.objects.count() == 1
