"""Query counts of the inbox and ticket screens, pinned at two data sizes: the same number of
queries for 3 and for 30 tickets (inbox) or messages, events, tags and orders (ticket), so an
N+1 cannot come back unseen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import (
    T0,
    CustomerFactory,
    CustomerIdentityFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
    TicketFactory,
    TrackingEventFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 30]
HTMX = {"HTTP_HX_REQUEST": "true"}


def inbox_tickets(team: Team, n: int) -> None:
    """`n` tickets of the team, each with its own assignee, store, customer and two tags, in
    two statuses."""
    for i in range(n):
        store = StoreFactory()
        ticket = TicketFactory(
            team=team,
            store=store,
            customer=CustomerFactory(store=store),
            assignee=UserFactory(teams=[team]),
            status="open" if i % 2 else "pending",
            updated_at=T0 + timedelta(minutes=i),
        )
        services.ticket_set_tags(ticket=ticket, tags=[f"tag{i}", "late"])


def rich_ticket(team: Team, n: int) -> Ticket:
    """A ticket with `n` of everything the ticket page and the API's detail show: messages
    (each by another agent, with an attachment), events, tags, customer identities, orders
    with lines, shipments and tracking events."""
    store = StoreFactory()
    customer = CustomerFactory(store=store)
    orders = []
    for _ in range(n):
        CustomerIdentityFactory(customer=customer)
        order = OrderFactory(store=StoreFactory(), customer=customer)
        OrderLineFactory(order=order)
        OrderLineFactory(order=order)
        TrackingEventFactory(shipment=ShipmentFactory(order=order))
        orders.append(order)
    ticket = services.ticket_create(
        subject="Parcel never arrived",
        channel="email",
        body="Where is my parcel?",
        customer=customer,
        store=store,
        orders=orders,
        tags=[f"tag{i}" for i in range(n)],
        at=T0,
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    for i in range(n):
        author = UserFactory(teams=[team])
        upload = SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain")
        at = T0 + timedelta(minutes=i + 1)
        if i % 2:
            services.note_add(
                ticket=ticket, by=author, body=f"note {i}", attachments=[upload], at=at
            )
        else:
            services.message_reply(
                ticket=ticket, by=author, body=f"reply {i}", attachments=[upload], at=at
            )
        services.ticket_escalate(ticket=ticket, by=author, to="tier 2", reason=f"#{i}", at=at)
    return ticket


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


# Each case: the viewer, the query string, the expected number of queries.
INBOX_CASES = [
    # count, page, tags (the agent's teams are a subquery)
    pytest.param("agent", {}, 3, id="agent"),
    # + one query of keys per status (the inbox's "Unsolved": four statuses merged in Python)
    pytest.param("supervisor", {"status": "new,open,pending,on_hold"}, 7, id="unsolved"),
    pytest.param("supervisor", {"tag": "late", "text": "parcel"}, 3, id="filters"),
]


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("viewer", "params", "queries"), INBOX_CASES)
def test_inbox_page(
    client: Client,
    request: pytest.FixtureRequest,
    team: Team,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    inbox_tickets(team, n)
    client.force_login(request.getfixturevalue(viewer))
    params = {"view": "all", **params}  # an agent's default is "mine, unsolved" (tickets.queue)
    # + session, user; the filter form's agents, teams and stores; the rows' last messages and
    # triage risk (tickets.queue.queue_rows_annotate); the page's saved views
    with django_assert_num_queries(8 + queries):
        response = client.get(reverse("tickets:inbox"), params)
    assert response.status_code == 200
    assert response.content.decode().count('class="tag"') == 2 * n
    with django_assert_num_queries(7 + queries):  # the htmx partial: no saved views
        assert client.get(reverse("tickets:inbox"), params, **HTMX).status_code == 200


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(("viewer", "params", "queries"), INBOX_CASES)
def test_api_tickets_list(
    request: pytest.FixtureRequest,
    team: Team,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    inbox_tickets(team, n)
    api = _api(request.getfixturevalue(viewer))
    # + the token and its last use
    with django_assert_num_queries(2 + queries):
        response = api.get("/api/tickets", {**params, "limit": 50})
    assert response.status_code == 200
    assert len(response.json()["items"]) == n


# the ticket, if the viewer may see it, with its assignee, team, store, customer (and the
# customer's store) and calendar; one query each for messages (with their authors),
# their attachments, events (with their agents), tags, customer identities, orders, their
# lines, shipments and tracking events
TICKET_QUERIES = 1 + 9


@pytest.mark.parametrize("n", SIZES)
def test_ticket_page(
    client: Client, agent: User, team: Team, django_assert_num_queries: Any, n: int
) -> None:
    ticket = rich_ticket(team, n)
    client.force_login(agent)
    # + session, user; the assign form's agents and teams; the email state of its replies
    # (channels_delivery, one query for a ticket with replies); the automatic mail of an
    # email ticket (channels_delivery, one query whatever the number of messages); the SLA
    # card (sla_panel: the ticket's clock state); the buyer's other orders (order panel); the
    # ticket's return cases (returns_panel); the escalate form's teams and people
    with django_assert_num_queries(2 + TICKET_QUERIES + 2 + 1 + 1 + 1 + 1 + 1 + 2):
        response = client.get(reverse("tickets:ticket", args=[ticket.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("/attachments/") == n


@pytest.mark.parametrize("n", SIZES)
def test_api_ticket_detail(agent: User, team: Team, django_assert_num_queries: Any, n: int) -> None:
    ticket = rich_ticket(team, n)
    api = _api(agent)
    # + the token and its last use
    with django_assert_num_queries(2 + TICKET_QUERIES):
        response = api.get(f"/api/tickets/{ticket.pk}")
    assert response.status_code == 200
    body = response.json()
    assert len(body["messages"]) == n + 1
    assert len(body["orders"]) == n
