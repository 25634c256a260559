"""The event log's consumers run inside the change's transaction: a consumer that fails rolls
the whole change back (docs/reliability.md, "Data and jobs"; docs/architecture.md,
"Dependencies")."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.core.consumers import ConsumerRegistry
from afterdesk.metrics.models import TicketFacts
from afterdesk.tickets import services
from afterdesk.tickets.consumers import tickets_changed
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from tests.factories import T0

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_failing_consumer_rolls_the_whole_change_back(
    agent: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = services.ticket_create(subject="Late", channel="email", body="Where?", at=T0)
    before = (TicketEvent.objects.count(), Message.objects.count(), ticket.status)

    def failing(**change: Any) -> None:
        raise Boom

    monkeypatch.setattr(tickets_changed, "_consumers", [*tickets_changed.consumers, failing])
    with pytest.raises(Boom):
        services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=T0)
    ticket.refresh_from_db()
    assert (TicketEvent.objects.count(), Message.objects.count(), ticket.status) == before
    assert TicketFacts.objects.get(ticket=ticket).agent_replies == 0


def test_the_metrics_app_listens_to_ticket_changes() -> None:
    names = {consumer.__name__ for consumer in tickets_changed.consumers}
    assert "ticket_facts_store" in names


def test_a_registry_calls_each_consumer_once_in_order() -> None:
    calls: list[tuple[str, int]] = []
    registry = ConsumerRegistry("test")

    def first(*, n: int) -> None:
        calls.append(("first", n))

    def second(*, n: int) -> None:
        calls.append(("second", n))

    registry.register(first)
    registry.register(second)
    registry.register(first)  # again: no second registration
    registry.notify(n=1)
    assert calls == [("first", 1), ("second", 1)]
    assert "2 consumer(s)" in repr(registry)
    assert Ticket.objects.count() == 0
