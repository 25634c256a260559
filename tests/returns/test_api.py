"""The returns API: open a return from the ticket's order, act on it step by step, the same
access rule as the ticket (404 for a ticket the user may not see); bad input answers 4xx JSON
naming the field, nothing stored."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.commerce.models import Order
from afterdesk.returns.models import ReturnCase
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.metrics.api.conftest import Api, ApiAs
from tests.stores.servers import ShopifyServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make


def _payload(ticket: Ticket, order: Order, quantity: int = 1) -> dict[str, object]:
    return {
        "ticket_id": ticket.pk,
        "order_id": order.pk,
        "lines": [{"order_line_id": order.lines.get(sku="MUG-1").pk, "quantity": quantity}],
        "reason": "quality_issue",
        "requested_resolution": "refund",
    }


def test_a_return_from_request_to_refund_through_the_api(
    api_as: ApiAs,
    agent: User,
    shop_ticket: Ticket,
    shop_order: Order,
    shopify_server: ShopifyServer,
) -> None:
    api = api_as(agent)
    created = api.post("/api/returns", _payload(shop_ticket, shop_order))
    assert created.status_code == 201, created.json()
    case = created.json()
    assert case["state"] == "requested"
    assert case["lines"][0]["sku"] == "MUG-1"
    url = f"/api/returns/{case['id']}/actions"
    for step in (
        {"action": "approve"},
        {"action": "label", "carrier": "DHL", "tracking_number": "JJD1", "label_cost": "5.40"},
        {"action": "receive"},
        {"action": "inspect", "qc": {str(case["lines"][0]["id"]): "damaged"}},
    ):
        answer = api.post(url, step)
        assert answer.status_code == 200, answer.json()
    refunded = api.post(url, {"action": "refund", "amount": "24.95", "resolution": "refund"})
    assert refunded.status_code == 200, refunded.json()
    body = refunded.json()
    assert body["label_cost"] == "5.40"
    assert body["state"] == "resolved"
    assert body["refunds"][0]["platform_refund_id"] == "gid://shopify/Refund/1"
    listed = api.get("/api/returns?queue=resolved").json()
    assert [row["rma"] for row in listed] == [case["rma"]]
    again = api.post(url, {"action": "refund", "amount": "1", "resolution": "refund"})
    assert again.status_code == 409
    assert "is resolved" in again.json()["message"]


def test_bad_input_names_the_field_and_stores_nothing(
    api_as: ApiAs, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    api = api_as(agent)
    too_many = api.post("/api/returns", _payload(shop_ticket, shop_order, quantity=5))
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "lines"
    bad_reason = api.post("/api/returns", {**_payload(shop_ticket, shop_order), "reason": "meh"})
    assert bad_reason.json()["field"] == "reason"
    assert not ReturnCase.objects.exists()
    case = api.post("/api/returns", _payload(shop_ticket, shop_order)).json()
    url = f"/api/returns/{case['id']}/actions"
    assert api.post(url, {"action": "fly"}).json()["field"] == "action"
    over = api.post(url, {"action": "refund", "amount": "5", "resolution": "refund"})
    assert over.status_code == 409
    assert api.post(url, {"action": "offer"}).json()["field"] == "percent"
    assert api.get("/api/returns?queue=nope").status_code == 422
    assert TicketEvent.objects.filter(kind="return_step").count() == 1


def test_one_access_rule_with_the_ticket(
    api_as: ApiAs,
    agent: User,
    other_agent: User,
    qa_reviewer: User,
    shop_ticket: Ticket,
    shop_order: Order,
) -> None:
    case = api_as(agent).post("/api/returns", _payload(shop_ticket, shop_order)).json()
    assert api_as(other_agent).get(f"/api/returns/{case['id']}").status_code == 404
    assert (
        api_as(other_agent).post("/api/returns", _payload(shop_ticket, shop_order)).status_code
        == 404
    )
    assert api_as(other_agent).get("/api/returns?queue=all").json() == []
    assert api_as(qa_reviewer).get(f"/api/returns/{case['id']}").status_code == 200
    refused = api_as(qa_reviewer).post(f"/api/returns/{case['id']}/actions", {"action": "approve"})
    assert refused.status_code == 403
    assert api_as(None).get("/api/returns").status_code == 401


def test_a_case_id_beyond_the_database_s_integers_is_a_422_not_a_500(
    api_as: ApiAs, agent: User
) -> None:
    # Unbounded, 2**70 reached the query and overflowed the database's integer (500).
    api = api_as(agent)
    for answer in (
        api.get(f"/api/returns/{2**70}"),
        api.post(f"/api/returns/{2**70}/actions", {"action": "approve"}),
    ):
        assert answer.status_code == 422, answer.content
        assert answer.json()["message"]


def test_a_qa_reviewer_is_refused_before_the_body_is_read(api_as: ApiAs, qa_reviewer: User) -> None:
    # A 422 would tell a caller who may not act how to shape a body
    # (tests/api/test_permission_first.py).
    api = api_as(qa_reviewer)
    assert api.post("/api/returns", {"unknown": 1}).status_code == 403
    assert api.post("/api/returns/1/actions", {"action": 3}).status_code == 403
    assert not ReturnCase.objects.exists()
