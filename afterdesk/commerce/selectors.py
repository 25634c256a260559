"""Reads of stores, customers and orders.

Permission rule: everyone signed in may read customers and orders. A ticket's buyer and orders
are what an agent needs beside the conversation, and stores are not split between teams, so
there is no narrower rule that would not hide what an agent must see (docs/api.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from afterdesk.commerce.models import (
    Customer,
    CustomerIdentity,
    Order,
    Shipment,
    Store,
    TrackingEvent,
)
from afterdesk.core.errors import NotFound, ValidationError


def stores_list() -> QuerySet[Store]:
    return Store.objects.order_by("name", "id")


def customers_search(*, text: str | None = None, store_id: int | None = None) -> QuerySet[Customer]:
    """Customers whose name or any identity (email, marketplace handle) contains `text`."""
    queryset = Customer.objects.select_related("store")
    if store_id is not None:
        queryset = queryset.filter(store_id=store_id)
    if text and text.strip():
        text = text.strip()
        matching = CustomerIdentity.objects.filter(value__icontains=text).values("customer_id")
        queryset = queryset.filter(Q(name__icontains=text) | Q(pk__in=matching))
    return queryset.prefetch_related("identities").order_by("name", "id")


def customer_detail(*, customer_id: int) -> Customer:
    """A customer with identities and orders (newest first)."""
    customer = (
        Customer.objects.select_related("store")
        .prefetch_related(
            "identities",
            Prefetch(
                "orders", queryset=Order.objects.select_related("store").order_by("-placed_at")
            ),
        )
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        raise NotFound(f"customer {customer_id} not found")
    return customer


def orders_search(
    *, store_id: int | None = None, customer_id: int | None = None, number: str | None = None
) -> QuerySet[Order]:
    queryset = Order.objects.select_related("store", "customer")
    if store_id is not None:
        queryset = queryset.filter(store_id=store_id)
    if customer_id is not None:
        queryset = queryset.filter(customer_id=customer_id)
    if number and number.strip():
        wanted = number.strip()
        # Buyers write "#1001" or "1001": match the platform's number with or without the hash.
        queryset = queryset.filter(
            Q(number__iexact=wanted)
            | Q(number__iexact=wanted.lstrip("#"))
            | Q(number__iexact="#" + wanted.lstrip("#"))
        )
    return queryset.order_by("-placed_at", "-id")


def _order_detail_queryset() -> QuerySet[Order]:
    return Order.objects.select_related("store", "customer").prefetch_related(
        "lines",
        Prefetch(
            "shipments",
            queryset=Shipment.objects.prefetch_related(
                Prefetch("events", queryset=TrackingEvent.objects.order_by("at", "id"))
            ),
        ),
    )


def order_detail(*, order_id: int) -> Order:
    """An order with its lines and its shipments' tracking events."""
    order = _order_detail_queryset().filter(pk=order_id).first()
    if order is None:
        raise NotFound(f"order {order_id} not found")
    return order


@dataclass(frozen=True)
class TicketCommerceRefs:
    store: Store | None
    customer: Customer | None
    orders: list[Order]


def ticket_commerce_refs(
    *, store_id: int | None, customer_id: int | None, order_ids: Sequence[int]
) -> TicketCommerceRefs:
    """Resolve the commerce ids sent with a new ticket; an unknown id is a 422 on its field."""
    store = Store.objects.filter(pk=store_id).first() if store_id is not None else None
    if store_id is not None and store is None:
        raise ValidationError(f"unknown store {store_id}", field="store_id")
    customer = None
    if customer_id is not None:
        customer = Customer.objects.select_related("store").filter(pk=customer_id).first()
        if customer is None:
            raise ValidationError(f"unknown customer {customer_id}", field="customer_id")
    if store is None and customer is not None:
        store = customer.store
    wanted = set(order_ids)
    orders = list(Order.objects.filter(pk__in=wanted).order_by("id")) if wanted else []
    missing = wanted - {order.pk for order in orders}
    if missing:
        listed = ", ".join(str(pk) for pk in sorted(missing))
        raise ValidationError(f"unknown orders: {listed}", field="order_ids")
    return TicketCommerceRefs(store=store, customer=customer, orders=orders)
