"""Two tickets routed at once do not both take an agent's last slot (PostgreSQL: SQLite
serialises writers on one lock, and the in-memory test database is one connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from afterdesk.accounts.models import AgentProfile, Role, Team
from afterdesk.routing.models import AgentRouting, RoutingRule
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_new_tickets_do_not_overfill_an_agent() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock")
    desk = Team.objects.create(name="Desk")
    RoutingRule.objects.create(name="All", set_team=desk)
    ana = UserFactory(username="ana", role=Role.AGENT, teams=[desk])
    AgentProfile.objects.create(user=ana, languages=["es"])
    AgentRouting.objects.create(user=ana, presence="online", capacity=1)
    count = 4
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def create(n: int) -> None:
        try:
            barrier.wait()
            services.ticket_create(subject=f"t{n}", channel="email", body="hola", language="es")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Ticket.objects.count() == count
    assert Ticket.objects.filter(assignee=ana).count() == 1
    reasons = list(TicketEvent.objects.filter(kind="routing").values_list("fields", flat=True))
    assert sum("Ana full (1 of 1)" in fields["reason"] for fields in reasons) == count - 1
