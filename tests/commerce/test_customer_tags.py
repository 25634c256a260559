"""A customer's tags (e.g. vip): set by supervisors and admins through the API, checked,
stored lowercase, shown with the customer (docs/sla.md and docs/routing.md match on them)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Role, User
from afterdesk.accounts.services import api_token_create
from afterdesk.commerce.models import Customer
from afterdesk.tickets import services
from tests.factories import CustomerFactory, UserFactory
from tests.metrics.api.conftest import Api

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User], Api]


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User) -> Api:
        return Api(api_token_create(user=user, name="t")[1])

    return make


def test_a_supervisor_tags_a_customer_and_the_api_shows_it(api_as: ApiAs) -> None:
    buyer = CustomerFactory()
    api = api_as(UserFactory(role=Role.SUPERVISOR))
    response = api.put(f"/api/customers/{buyer.pk}/tags", {"tags": ["VIP", "wholesale", "vip"]})
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["vip", "wholesale"]
    assert api.get(f"/api/customers/{buyer.pk}").json()["tags"] == ["vip", "wholesale"]
    buyer.refresh_from_db()
    assert buyer.tags == ["vip", "wholesale"]


def test_agents_are_refused_and_bad_tags_change_nothing(api_as: ApiAs) -> None:
    buyer = CustomerFactory(tags=["vip"])
    agent = api_as(UserFactory(role=Role.AGENT))
    assert agent.put(f"/api/customers/{buyer.pk}/tags", {"tags": []}).status_code == 403
    admin = api_as(UserFactory(role=Role.ADMIN))
    too_long = admin.put(f"/api/customers/{buyer.pk}/tags", {"tags": ["x" * 51]})
    assert too_long.status_code == 422
    assert too_long.json()["field"] == "tags"
    assert admin.put(f"/api/customers/{buyer.pk}/tags", {"tags": "vip"}).status_code == 422
    assert admin.put("/api/customers/999999/tags", {"tags": []}).status_code == 404
    assert Customer.objects.get(pk=buyer.pk).tags == ["vip"]


def test_the_ticket_page_shows_the_buyers_tags(client: Client) -> None:
    buyer = CustomerFactory(name="Mia Buyer", tags=["vip"])
    ticket = services.ticket_create(subject="Hi", channel="email", body="?", customer=buyer)
    client.force_login(UserFactory(role=Role.SUPERVISOR))
    body = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert '<span class="badge customer-tag" dir="auto">vip</span>' in body
