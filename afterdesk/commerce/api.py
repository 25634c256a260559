"""Customers, orders and stores: read-only for everyone signed in (commerce.selectors);
supervisors and admins set a customer's tags."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.commerce import selectors, services
from afterdesk.commerce.models import Customer, Order, Store
from afterdesk.commerce.schemas import (
    CustomerDetail,
    CustomerPage,
    CustomerQuery,
    CustomerTagsIn,
    OrderDetail,
    OrderPage,
    OrderQuery,
    StoreOut,
)
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Id, PageQuery, paginate

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


@router.put(
    "/customers/{customer_id}/tags",
    response={200: CustomerDetail, **WRITE_ERRORS},
    auth=requires(services.customer_tags_require),
)
def customer_tags_put(request: HttpRequest, customer_id: Id, payload: CustomerTagsIn) -> Customer:
    """Replace the customer's tags (supervisors, admins); SLA policies and routing rules
    match on them (`customer_tags`, e.g. vip)."""
    services.customer_tags_set(
        by=request_user(request), customer_id=customer_id, tags=list(payload.tags)
    )
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
