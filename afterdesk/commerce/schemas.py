"""Response and query schemas of the customers, orders and stores API."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from afterdesk.commerce.models import CustomerIdentity, Order, Platform, Shipment
from afterdesk.core.api_schemas import Id, InputSchema, SafeStr


class StoreOut(Schema):
    id: int
    code: str
    name: str
    platform: Platform
    market: str
    currency: str


class IdentityOut(Schema):
    kind: CustomerIdentity.Kind
    value: str


class CustomerRef(Schema):
    id: int
    name: str


class CustomerOut(Schema):
    id: int
    name: str
    language: str
    country: str
    tags: list[str]
    store: StoreOut
    identities: list[IdentityOut]
    created_at: datetime


class CustomerPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CustomerOut]


class OrderLineOut(Schema):
    id: int
    sku: str
    title: str
    quantity: int
    unit_price: Decimal


class TrackingEventOut(Schema):
    at: datetime
    status: Shipment.Status
    location: str
    description: str
    tracking_status: str = Field(
        description="info_received, in_transit, out_for_delivery, delivered, failed_attempt, "
        "exception, returned_to_sender or expired; empty on events from history or the demo"
    )
    raw_status: str = Field(description="The status as the tracker named it")
    source: str = Field(description="aftership, 17track or csv; empty when not from a tracker")


class ShipmentOut(Schema):
    id: int
    carrier: str
    tracking_number: str
    status: Shipment.Status
    shipped_at: datetime | None
    delivered_at: datetime | None
    tracking_status: str = Field(description="The latest event's tracking status, or empty")
    stalled: bool = Field(description="No tracking event for longer than the market's limit")
    stalled_since: datetime | None
    events: list[TrackingEventOut]


class OrderSummary(Schema):
    id: int
    number: str
    status: Order.Status
    total: Decimal
    currency: str
    placed_at: datetime
    store_id: int
    customer_id: int | None


class OrderOut(OrderSummary):
    """An order with its lines and shipments (with their tracking events)."""

    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]


class OrderDetail(OrderOut):
    store: StoreOut
    customer: CustomerRef | None


class CustomerDetail(CustomerOut):
    orders: list[OrderSummary]


class OrderPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrderSummary]


class CustomerTagsIn(InputSchema):
    tags: list[SafeStr] = Field(
        description="The customer's tags, replacing the ones it has (e.g. vip)",
        max_length=20,
    )


class CustomerQuery(Schema):
    q: SafeStr | None = Field(None, max_length=200, description="Part of a name or identity")
    store_id: Id | None = None


class OrderQuery(Schema):
    store_id: Id | None = None
    customer_id: Id | None = None
    number: SafeStr | None = Field(None, max_length=100, description="The platform's number")
