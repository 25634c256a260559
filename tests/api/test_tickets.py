"""The tickets API: list with filters and pages, detail, opening and acting on tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Tag, Ticket, TicketEvent
from tests.api.conftest import ApiClient
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

ApiAs = Callable[[User | None], ApiClient]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# ------------------------------------------------------------------------------- list


def test_list_is_sorted_by_last_update_and_counts(api_as: ApiAs, supervisor: User) -> None:
    old = TicketFactory(updated_at=T0)
    new = TicketFactory(updated_at=T0 + timedelta(hours=2))
    middle = TicketFactory(updated_at=T0 + timedelta(hours=1))
    response = api_as(supervisor).get("/api/tickets")
    assert _ids(response) == [new.pk, middle.pk, old.pk]
    assert response.json()["count"] == 3


def test_list_pages_with_limit_offset_and_page(api_as: ApiAs, supervisor: User) -> None:
    tickets = [TicketFactory(updated_at=T0 + timedelta(minutes=i)) for i in range(5)]
    newest_first = [t.pk for t in reversed(tickets)]
    api = api_as(supervisor)
    first = api.get("/api/tickets", limit=2)
    assert _ids(first) == newest_first[:2]
    assert first.json() | {"items": None} == {"count": 5, "limit": 2, "offset": 0, "items": None}
    assert _ids(api.get("/api/tickets", limit=2, offset=2)) == newest_first[2:4]
    third_page = api.get("/api/tickets", limit=2, page=3)
    assert _ids(third_page) == newest_first[4:]
    assert third_page.json()["offset"] == 4
    assert _ids(api.get("/api/tickets", limit=2, page=9)) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"page": 0}, "page"),
        ({"limit": "many"}, "limit"),
        ({"status": "open,bogus"}, "status"),
        ({"priority": "extreme"}, "priority"),
        ({"q": "nul\x00byte"}, "q"),
    ],
)
def test_invalid_list_parameters_are_422_naming_the_field(
    api_as: ApiAs, supervisor: User, params: dict[str, Any], field: str
) -> None:
    response = api_as(supervisor).get("/api/tickets", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert field in response.json()["message"]


def test_list_filters(api_as: ApiAs, supervisor: User, agent: User, team: Team) -> None:
    other_team = Team.objects.create(name="US")
    eu_open = TicketFactory(
        team=team, status="open", channel="chat", language="de", priority="high"
    )
    eu_new = TicketFactory(team=team, status="new", assignee=agent, category="size_issue")
    us_solved = TicketFactory(team=other_team, status="solved", platform="amazon")
    us_solved.tags.add(Tag.objects.create(name="vip"))
    services.message_ingest(ticket=eu_new, body="the zipper broke", at=T0)
    api = api_as(supervisor)

    def ids(**params: Any) -> set[int]:
        return set(_ids(api.get("/api/tickets", **params)))

    assert ids(status="open,solved") == {eu_open.pk, us_solved.pk}
    assert ids(status="solved") == {us_solved.pk}
    assert ids(assignee="anna") == {eu_new.pk}
    assert ids(assignee="none") == {eu_open.pk, us_solved.pk}
    assert ids(team="US") == {us_solved.pk}
    assert ids(channel="chat") == {eu_open.pk}
    assert ids(platform="amazon") == {us_solved.pk}
    assert ids(language="de") == {eu_open.pk}
    assert ids(category="size_issue") == {eu_new.pk}
    assert ids(priority="high") == {eu_open.pk}
    assert ids(tag="VIP") == {us_solved.pk}
    assert ids(q="zipper") == {eu_new.pk}
    assert ids(q=f"#{eu_open.pk}") == {eu_open.pk}
    assert ids(team="EU", status="new") == {eu_new.pk}
    assert ids(team="nowhere") == set()


def test_assignee_me_means_the_caller(api_as: ApiAs, agent: User, team: Team) -> None:
    mine = TicketFactory(team=team, assignee=agent)
    TicketFactory(team=team)
    assert _ids(api_as(agent).get("/api/tickets", assignee="me")) == [mine.pk]


def test_list_query_count_does_not_grow_with_tickets(
    api_as: ApiAs,
    agent: User,
    team: Team,
    django_assert_max_num_queries: Any,
) -> None:
    store = StoreFactory()
    for i in range(30):
        ticket = TicketFactory(
            team=team,
            store=store,
            customer=CustomerFactory(store=store),
            assignee=agent,
            updated_at=T0 + timedelta(minutes=i),
        )
        ticket.tags.add(Tag.objects.get_or_create(name=f"tag{i % 3}")[0])
    api = api_as(agent)
    # token lookup + last-used update, count, page, tags
    with django_assert_max_num_queries(5):
        response = api.get("/api/tickets", limit=30)
    assert len(response.json()["items"]) == 30
    assert response.json()["items"][0]["tags"] == ["tag2"]


# ------------------------------------------------------------------------------- detail


def test_detail_has_messages_events_orders_customer_and_tags(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    store = StoreFactory(code="shop-us")
    customer = CustomerFactory(store=store, name="Mia Buyer")
    CustomerIdentityFactory(customer=customer, value="mia@example.net")
    order = OrderFactory(store=store, customer=customer, number="#1001")
    OrderLineFactory(order=order, sku="SHIRT-M")
    TrackingEventFactory(shipment=ShipmentFactory(order=order, tracking_number="JD1"))
    ticket.customer = customer
    ticket.store = store
    ticket.save()
    ticket.orders.add(order)
    services.ticket_set_tags(ticket=ticket, tags=["Late"])
    services.note_add(ticket=ticket, by=agent, body="checking with DHL", at=T0)
    response = api_as(agent).get(f"/api/tickets/{ticket.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "Where is my parcel?"
    assert body["team"] == "EU"
    assert body["tags"] == ["late"]
    assert body["store"]["code"] == "shop-us"
    assert body["customer"]["name"] == "Mia Buyer"
    assert body["customer"]["identities"] == [{"kind": "email", "value": "mia@example.net"}]
    assert [(m["kind"], m["author"]) for m in body["messages"]] == [
        ("inbound", None),
        ("note", "anna"),
    ]
    assert [e["kind"] for e in body["events"]] == ["message", "assign", "message"]
    assert body["events"][1]["fields"] == {"agent": None, "team": "EU"}
    [linked] = body["orders"]
    assert linked["number"] == "#1001"
    assert linked["lines"][0]["sku"] == "SHIRT-M"
    assert linked["shipments"][0]["events"][0]["location"] == "Leipzig Hub"


def test_unknown_ticket_is_404(api_as: ApiAs, supervisor: User) -> None:
    response = api_as(supervisor).get("/api/tickets/424242")
    assert response.status_code == 404
    assert response.json() == {"message": "ticket 424242 not found"}


@pytest.mark.parametrize("bad_id", ["abc", "0", "-3", "99999999999999999999999"])
def test_malformed_ticket_id_is_422(api_as: ApiAs, supervisor: User, bad_id: str) -> None:
    response = api_as(supervisor).get(f"/api/tickets/{bad_id}")
    assert response.status_code == 422
    assert response.json()["field"] == "ticket_id"


# ------------------------------------------------------------------------------- create


def test_create_with_commerce_refs_tags_and_team(
    api_as: ApiAs, supervisor: User, agent: User, team: Team
) -> None:
    customer = CustomerFactory()
    order = OrderFactory(store=customer.store, customer=customer)
    response = api_as(supervisor).post(
        "/api/tickets",
        {
            "subject": "Phone call: refund",
            "channel": "phone",
            "body": "Customer called about a refund",
            "customer_id": customer.pk,
            "order_ids": [order.pk],
            "priority": "high",
            "category": "return_request",
            "language": "en",
            "tags": ["Refund", "phone"],
            "team": "EU",
            "assignee": "anna",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.team, ticket.assignee, ticket.store) == (team, agent, customer.store)
    assert ticket.priority == "high"
    assert body["tags"] == ["phone", "refund"]
    assert [o["id"] for o in body["orders"]] == [order.pk]
    assert [e["kind"] for e in body["events"]] == ["message", "assign"]
    assert body["messages"][0]["body_text"] == "Customer called about a refund"


def test_agent_creates_into_their_own_team_by_default(
    api_as: ApiAs, agent: User, team: Team
) -> None:
    response = api_as(agent).post("/api/tickets", {"subject": "Hi", "channel": "api"})
    assert response.status_code == 201
    assert response.json()["team"] == "EU"


def test_agent_cannot_create_for_another_team(api_as: ApiAs, agent: User, other_team: Team) -> None:
    response = api_as(agent).post(
        "/api/tickets", {"subject": "Hi", "channel": "api", "team": "APAC"}
    )
    assert response.status_code == 403
    assert response.json()["field"] == "team"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "email"}, "subject"),
        ({"subject": "x" * 301, "channel": "email"}, "subject"),
        ({"subject": "Hi"}, "channel"),
        ({"subject": "Hi", "channel": "email", "priority": "extreme"}, "priority"),
        ({"subject": "Hi", "channel": "email", "store_id": 999}, "store_id"),
        ({"subject": "Hi", "channel": "email", "customer_id": 999}, "customer_id"),
        ({"subject": "Hi", "channel": "email", "order_ids": [999]}, "order_ids"),
        ({"subject": "Hi", "channel": "email", "order_ids": ["x"]}, "order_ids.0"),
        ({"subject": "Hi", "channel": "email", "team": "Nowhere"}, "team"),
        ({"subject": "Hi", "channel": "email", "assignee": "nobody"}, "assignee"),
        ({"subject": "Hi\x00", "channel": "email"}, "subject"),
    ],
)
def test_create_with_invalid_fields_is_422_naming_the_field(
    api_as: ApiAs, supervisor: User, team: Team, payload: dict[str, Any], field: str
) -> None:
    response = api_as(supervisor).post("/api/tickets", payload)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert not Ticket.objects.exists()


def test_create_with_malformed_json_is_400(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    response = api.client.post(
        "/api/tickets", "{not json", content_type="application/json", headers=api.headers
    )
    assert response.status_code == 400
    assert response.json() == {"message": "Cannot parse request body"}


# ------------------------------------------------------------------------------- actions


def test_reply_with_status(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post(
        f"/api/tickets/{ticket.pk}/reply", {"body": "It is on its way.", "status": "pending"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"]["kind"] == "reply"
    assert body["message"]["author"] == "anna"
    assert body["ticket"]["status"] == "pending"
    assert Message.objects.filter(ticket=ticket, kind="reply").count() == 1


def test_reply_on_closed_ticket_is_409(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    services.ticket_set_status(ticket=ticket, by=agent, status="closed")
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/reply", {"body": "Hello?"})
    assert response.status_code == 409
    assert "closed" in response.json()["message"]
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "body"), ({"body": ""}, "body"), ({"body": "x", "status": "gone"}, "status")],
)
def test_reply_with_invalid_fields_is_422(
    api_as: ApiAs, agent: User, ticket: Ticket, payload: dict[str, Any], field: str
) -> None:
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/reply", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_whitespace_reply_is_422_from_the_service(
    api_as: ApiAs, agent: User, ticket: Ticket
) -> None:
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/reply", {"body": "   "})
    assert response.status_code == 422
    assert response.json() == {"message": "the reply is empty", "field": "body"}


def test_note(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/notes", {"body": "VIP buyer"})
    assert response.status_code == 201
    assert response.json()["message"]["kind"] == "note"
    assert response.json()["ticket"]["status"] == "new"


def test_assign_to_agent_and_team_then_unassign(
    api_as: ApiAs, supervisor: User, agent: User, ticket: Ticket, other_team: Team
) -> None:
    api = api_as(supervisor)
    response = api.post(f"/api/tickets/{ticket.pk}/assign", {"agent": "anna", "team": "APAC"})
    assert response.status_code == 200, response.content
    assert response.json()["ticket"] | {"updated_at": None} == {
        "id": ticket.pk,
        "status": "new",
        "priority": "normal",
        "assignee": "anna",
        "team": "APAC",
        "updated_at": None,
    }
    again = api.post(f"/api/tickets/{ticket.pk}/assign", {"agent": "anna"})
    assert again.json()["event"] is None
    unassigned = api.post(f"/api/tickets/{ticket.pk}/assign", {"agent": None})
    assert unassigned.json()["ticket"]["assignee"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"agent": "nobody"}, "agent"),
        ({"agent": None, "team": "Nowhere"}, "team"),
        ({"agent": "quinn"}, "agent"),  # QA reviewers take no tickets
        ({"team": "EU"}, "agent"),  # agent is required (null to unassign)
    ],
)
def test_assign_invalid_is_422(
    api_as: ApiAs,
    supervisor: User,
    qa_reviewer: User,
    ticket: Ticket,
    payload: dict[str, Any],
    field: str,
) -> None:
    response = api_as(supervisor).post(f"/api/tickets/{ticket.pk}/assign", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_status_change_and_repeat(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    api = api_as(agent)
    response = api.post(f"/api/tickets/{ticket.pk}/status", {"status": "solved"})
    assert response.status_code == 200
    assert response.json()["event"]["fields"] == {"status": "solved", "agent": "anna"}
    assert (
        api.post(f"/api/tickets/{ticket.pk}/status", {"status": "solved"}).json()["event"] is None
    )
    back_to_new = api.post(f"/api/tickets/{ticket.pk}/status", {"status": "new"})
    assert back_to_new.status_code == 422
    assert back_to_new.json()["field"] == "status"
    assert api.post(f"/api/tickets/{ticket.pk}/status", {"status": "x"}).status_code == 422


def test_escalate(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    response = api_as(agent).post(
        f"/api/tickets/{ticket.pk}/escalate", {"to": "tier2", "reason": "chargeback threat"}
    )
    assert response.status_code == 200
    assert response.json()["event"]["kind"] == "escalate"
    event = TicketEvent.objects.get(ticket=ticket, kind="escalate")
    assert event.fields == {"agent": "anna", "to": "tier2", "reason": "chargeback threat"}


def test_actions_on_unknown_ticket_are_404(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    for action, payload in [
        ("reply", {"body": "x"}),
        ("notes", {"body": "x"}),
        ("assign", {"agent": None}),
        ("status", {"status": "open"}),
        ("escalate", {}),
    ]:
        response = api.post(f"/api/tickets/777/{action}", payload)
        assert response.status_code == 404, action
        assert response.json() == {"message": "ticket 777 not found"}


def test_inactive_assignee_is_422(api_as: ApiAs, supervisor: User, ticket: Ticket) -> None:
    UserFactory(username="gone", is_active=False)
    response = api_as(supervisor).post(f"/api/tickets/{ticket.pk}/assign", {"agent": "gone"})
    assert response.status_code == 422
    assert response.json()["field"] == "agent"
