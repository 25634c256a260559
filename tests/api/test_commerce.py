"""Customers, orders and stores: search, pages, details."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import User
from tests.api.conftest import ApiClient
from tests.factories import (
    T0,
    CustomerFactory,
    CustomerIdentityFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
    TrackingEventFactory,
)

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_customer_search_by_name_and_email(api_as: ApiAs, agent: User) -> None:
    mia = CustomerFactory(name="Mia Müller")
    CustomerIdentityFactory(customer=mia, value="mia@example.net")
    bob = CustomerFactory(name="Bob Stone")
    CustomerIdentityFactory(customer=bob, value="bstone@shop.example")
    api = api_as(agent)
    assert _ids(api.get("/api/customers", q="mia")) == [mia.pk]
    assert _ids(api.get("/api/customers", q="SHOP.example")) == [bob.pk]
    assert _ids(api.get("/api/customers")) == [bob.pk, mia.pk]  # by name
    assert _ids(api.get("/api/customers", store_id=mia.store_id)) == [mia.pk]
    page = api.get("/api/customers", limit=1, page=2).json()
    assert (page["count"], [c["id"] for c in page["items"]]) == (2, [mia.pk])
    assert page["items"][0]["identities"] == [{"kind": "email", "value": "mia@example.net"}]


def test_customer_detail_with_identities_and_orders(api_as: ApiAs, agent: User) -> None:
    customer = CustomerFactory(name="Mia")
    CustomerIdentityFactory(customer=customer, kind="handle", value="mia_88")
    older = OrderFactory(customer=customer, store=customer.store, placed_at=T0)
    newer = OrderFactory(customer=customer, store=customer.store, placed_at=T0 + timedelta(days=1))
    body = api_as(agent).get(f"/api/customers/{customer.pk}").json()
    assert body["identities"] == [{"kind": "handle", "value": "mia_88"}]
    assert [o["id"] for o in body["orders"]] == [newer.pk, older.pk]
    assert body["store"]["id"] == customer.store_id


def test_order_filters(api_as: ApiAs, agent: User) -> None:
    store = StoreFactory()
    first = OrderFactory(store=store, number="#1001", placed_at=T0)
    second = OrderFactory(store=store, number="#1002", placed_at=T0 + timedelta(hours=1))
    elsewhere = OrderFactory(number="1001", placed_at=T0 + timedelta(hours=2))
    api = api_as(agent)
    assert _ids(api.get("/api/orders")) == [elsewhere.pk, second.pk, first.pk]
    assert _ids(api.get("/api/orders", store_id=store.pk)) == [second.pk, first.pk]
    assert _ids(api.get("/api/orders", number="1001")) == [elsewhere.pk, first.pk]
    assert _ids(api.get("/api/orders", number="#1002")) == [second.pk]
    assert _ids(api.get("/api/orders", customer_id=first.customer_id)) == [first.pk]
    assert api.get("/api/orders", limit=1).json()["count"] == 3


def test_order_detail_with_lines_shipments_and_tracking(api_as: ApiAs, agent: User) -> None:
    order = OrderFactory(number="#2001")
    OrderLineFactory(order=order, sku="MUG", quantity=2)
    shipment = ShipmentFactory(order=order, carrier="DHL", tracking_number="JD01")
    TrackingEventFactory(shipment=shipment, at=T0 + timedelta(days=1), location="Berlin")
    TrackingEventFactory(shipment=shipment, at=T0, location="Leipzig Hub")
    body = api_as(agent).get(f"/api/orders/{order.pk}").json()
    assert body["number"] == "#2001"
    assert body["total"] == "59.90"
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("MUG", 2)]
    [parcel] = body["shipments"]
    assert parcel["tracking_number"] == "JD01"
    assert [e["location"] for e in parcel["events"]] == ["Leipzig Hub", "Berlin"]
    assert body["customer"]["id"] == order.customer_id


@pytest.mark.parametrize("path", ["/api/customers/999", "/api/orders/999"])
def test_unknown_ids_are_404(api_as: ApiAs, agent: User, path: str) -> None:
    response = api_as(agent).get(path)
    assert response.status_code == 404
    assert "not found" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/customers", {"store_id": "x"}, "store_id"),
        ("/api/customers", {"q": "a\x00"}, "q"),
        ("/api/orders", {"customer_id": 0}, "customer_id"),
        ("/api/orders", {"limit": 1000}, "limit"),
        ("/api/orders/abc", {}, "order_id"),
    ],
)
def test_invalid_parameters_are_422(
    api_as: ApiAs, agent: User, path: str, params: dict[str, Any], field: str
) -> None:
    response = api_as(agent).get(path, **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_stores(api_as: ApiAs, agent: User) -> None:
    StoreFactory(code="b-shop", name="B shop")
    StoreFactory(code="a-shop", name="A shop")
    body = api_as(agent).get("/api/stores").json()
    assert [s["code"] for s in body] == ["a-shop", "b-shop"]
