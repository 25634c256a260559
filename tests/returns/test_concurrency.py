"""Two agents refunding the same return at once: one refund reaches the platform, the other is
refused (PostgreSQL: SQLite serialises writers on one lock and the in-memory test database is
one connection)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from afterdesk.accounts.models import Role, Team, User
from afterdesk.commerce.models import Order
from afterdesk.core.errors import Conflict
from afterdesk.returns.models import Refund, RefundState, ReturnCase
from afterdesk.returns.services.cases import case_approve
from afterdesk.returns.services.refunds import RefundOutcome, refund_issue
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import UserFactory
from tests.returns.test_refunds import inspected_case
from tests.stores.servers import ShopifyServer

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _at_once(count: int, work: object) -> tuple[list[object], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            results.append(work(index))  # type: ignore[operator]
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_two_agents_refunding_at_once_make_one_refund(
    agent: User, team: Team, shop_ticket: Ticket, shop_order: Order, shopify_server: ShopifyServer
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock")
    second = UserFactory(username="ben", role=Role.AGENT, teams=[team])
    case = inspected_case(agent, shop_ticket, shop_order, "MUG-1", 2)
    agents = [agent, second, agent, second]

    def refund(index: int) -> RefundOutcome:
        fresh = ReturnCase.objects.get(pk=case.pk)
        return refund_issue(by=agents[index], case=fresh, amount="49.90", resolution="refund")

    results, errors = _at_once(4, refund)
    assert len(results) == 1
    assert len(errors) == 3
    assert all(isinstance(error, Conflict) for error in errors)
    assert len(shopify_server.refunds) == 1
    assert Refund.objects.get().state == RefundState.SUCCEEDED
    assert TicketEvent.objects.filter(kind="return").count() == 1


def test_two_agents_approving_at_once_approve_once(
    agent: User, team: Team, shop_ticket: Ticket, shop_order: Order
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock")
    from afterdesk.returns.services.cases import LineIn, case_create

    case = case_create(
        by=agent,
        ticket=shop_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="damaged",
        requested_resolution="refund",
    )

    def approve(index: int) -> ReturnCase:
        return case_approve(by=agent, case=ReturnCase.objects.get(pk=case.pk))

    results, errors = _at_once(3, approve)
    assert len(results) == 1
    assert all(isinstance(error, Conflict) for error in errors)
    assert TicketEvent.objects.filter(kind="return_step", subtype="approved").count() == 1
