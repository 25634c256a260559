"""Customers, orders and stores: read-only for everyone signed in (commerce.selectors)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from afterdesk.commerce import selectors
from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.commerce.schemas import (
    CustomerDetail,
    CustomerPage,
    CustomerQuery,
    OrderDetail,
    OrderPage,
    OrderQuery,
    StoreOut,
)
from afterdesk.core.api_schemas import READ_ERRORS, Id, PageQuery, paginate

router = Router(tags=["commerce"])


@router.get("/customers", response={200: CustomerPage, **READ_ERRORS})
def customers_list(
    request: HttpRequest, filters: Query[CustomerQuery], page: Query[PageQuery]
) -> object:
    """Customers by name or identity (email, marketplace handle), by name."""
    queryset = selectors.customers_search(text=filters.q, store_id=filters.store_id)
    return paginate(queryset, page)


@router.get("/customers/{customer_id}", response={200: CustomerDetail, **READ_ERRORS})
def customer_get(request: HttpRequest, customer_id: Id) -> Customer:
    """A customer with identities and orders."""
    return selectors.customer_detail(customer_id=customer_id)


@router.get("/orders", response={200: OrderPage, **READ_ERRORS})
def orders_list(request: HttpRequest, filters: Query[OrderQuery], page: Query[PageQuery]) -> object:
    """Orders, newest first, by store, customer or number (`1001` finds `#1001`)."""
    queryset = selectors.orders_search(
        store_id=filters.store_id, customer_id=filters.customer_id, number=filters.number
    )
    return paginate(queryset, page)


@router.get("/orders/{order_id}", response={200: OrderDetail, **READ_ERRORS})
def order_get(request: HttpRequest, order_id: Id) -> Order:
    """An order with its lines and shipments with their tracking events."""
    return selectors.order_detail(order_id=order_id)


@router.get("/stores", response={200: list[StoreOut], **READ_ERRORS})
def stores_list(request: HttpRequest) -> list[Store]:
    return list(selectors.stores_list())
