"""Writing platform orders into `commerce` (docs/stores.md, "What is synced"): one order with
its customer, lines and platform link in one transaction, found again by the platform's id
(or, the first time, by its number in the store, so orders imported from history are
adopted rather than doubled). An update older than what is stored is skipped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.commerce.models import (
    Customer,
    CustomerIdentity,
    Order,
    OrderLine,
    Shipment,
    Store,
)
from afterdesk.stores.models import CustomerLink, OrderLink, StoreConnection
from afterdesk.stores.sources import ExternalCustomer, ExternalOrder

TITLE_CHARS = 300
SKU_CHARS = 100


@dataclass(frozen=True)
class Upserted:
    order: Order
    created: bool
    skipped: bool = False  # an older version than the one stored


def customer_upsert(
    *, store: Store, found: ExternalCustomer, connection: StoreConnection | None
) -> Customer:
    """The store's customer with this platform id, else with this email address, else new;
    name and country refreshed when the platform gives them."""
    customer: Customer | None = None
    link = None
    if connection is not None and found.external_id:
        link = (
            CustomerLink.objects.select_related("customer")
            .filter(connection=connection, external_id=found.external_id)
            .first()
        )
        customer = link.customer if link else None
    email = found.email.strip()
    if customer is None and email:
        identity = (
            CustomerIdentity.objects.select_related("customer")
            .filter(customer__store=store, kind=CustomerIdentity.Kind.EMAIL, value__iexact=email)
            .first()
        )
        customer = identity.customer if identity else None
    if customer is None:
        customer = Customer.objects.create(
            store=store, name=found.name[:200], country=found.country[:2].upper()
        )
    else:
        changed = []
        if found.name and customer.name != found.name[:200]:
            customer.name = found.name[:200]
            changed.append("name")
        if found.country and customer.country != found.country[:2].upper():
            customer.country = found.country[:2].upper()
            changed.append("country")
        if changed:
            customer.save(update_fields=changed)
    if email:
        CustomerIdentity.objects.get_or_create(
            customer=customer, kind=CustomerIdentity.Kind.EMAIL, value=email[:254]
        )
    if connection is not None and found.external_id and link is None:
        CustomerLink.objects.get_or_create(
            connection=connection,
            external_id=found.external_id[:100],
            defaults={"customer": customer},
        )
    return customer


@transaction.atomic
def order_upsert(
    found: ExternalOrder, *, store: Store, connection: StoreConnection | None
) -> Upserted:
    link = None
    order = None
    if connection is not None:
        link = (
            OrderLink.objects.select_for_update()
            .select_related("order")
            .filter(connection=connection, external_id=found.external_id)
            .first()
        )
        order = link.order if link else None
    if (
        link is not None
        and link.platform_updated_at
        and found.updated_at
        and found.updated_at < link.platform_updated_at
    ):
        return Upserted(link.order, created=False, skipped=True)
    if order is None:
        order = Order.objects.select_for_update().filter(store=store, number=found.number).first()
    customer = (
        customer_upsert(store=store, found=found.customer, connection=connection)
        if found.customer
        else None
    )
    created = order is None
    values: dict[str, Any] = {
        "number": found.number[:100],
        "status": found.status,
        "total": found.total,
        "currency": found.currency,
        "placed_at": found.placed_at,
    }
    if order is None:
        order = Order.objects.create(store=store, customer=customer, **values)
    else:
        for name, value in values.items():
            setattr(order, name, value)
        if customer is not None:
            order.customer = customer
        order.save()
        order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=line.sku[:SKU_CHARS],
            title=line.title[:TITLE_CHARS],
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in found.lines
    )
    if connection is not None:
        link_values = {
            "order": order,
            "financial_status": found.financial_status[:40],
            "fulfillment_status": found.fulfillment_status[:40],
            "admin_url": found.admin_url[:400],
            "platform_updated_at": found.updated_at,
        }
        if link is None:
            OrderLink.objects.create(
                connection=connection, external_id=found.external_id, **link_values
            )
        else:
            for name, value in link_values.items():
                setattr(link, name, value)
            link.save()
    return Upserted(order, created=created)


@transaction.atomic
def refund_record(
    connection: StoreConnection, *, order_external_id: str, refund_id: str, amount: Decimal
) -> Order | None:
    """A refund the platform made: counted once per refund id, the order's status becomes
    refunded or partially refunded. None when the order is not known here yet."""
    link = (
        OrderLink.objects.select_for_update()
        .select_related("order")
        .filter(connection=connection, external_id=order_external_id)
        .first()
    )
    if link is None:
        return None
    order = link.order
    if refund_id in link.refund_ids:
        return order
    link.refund_ids = [*link.refund_ids, refund_id]
    link.refunded_total += amount
    refunded_all = link.refunded_total >= order.total
    link.financial_status = "refunded" if refunded_all else "partially_refunded"
    link.save(update_fields=["refund_ids", "refunded_total", "financial_status"])
    order.status = Order.Status.REFUNDED if refunded_all else Order.Status.PARTIALLY_REFUNDED
    order.save(update_fields=["status"])
    return order


SHIPMENT_STATUSES = {
    "label_printed": Shipment.Status.LABEL_CREATED,
    "label_purchased": Shipment.Status.LABEL_CREATED,
    "confirmed": Shipment.Status.LABEL_CREATED,
    "in_transit": Shipment.Status.IN_TRANSIT,
    "out_for_delivery": Shipment.Status.OUT_FOR_DELIVERY,
    "attempted_delivery": Shipment.Status.OUT_FOR_DELIVERY,
    "ready_for_pickup": Shipment.Status.OUT_FOR_DELIVERY,
    "delivered": Shipment.Status.DELIVERED,
    "failure": Shipment.Status.EXCEPTION,
}


@transaction.atomic
def shipment_record(
    connection: StoreConnection,
    *,
    order_external_id: str,
    carrier: str,
    tracking_numbers: list[str],
    shipment_status: str,
    shipped_at: datetime | None = None,
) -> Order | None:
    """A fulfilment's parcels (one per tracking number), created or their status updated;
    the order counts as shipped. A new parcel is shipped at `shipped_at` (the fulfilment's
    creation), from which a parcel no tracker ever reported goes quiet (stalled parcels).
    None when the order is not known here yet."""
    link = (
        OrderLink.objects.select_related("order")
        .filter(connection=connection, external_id=order_external_id)
        .first()
    )
    if link is None:
        return None
    order = link.order
    status = SHIPMENT_STATUSES.get(shipment_status, Shipment.Status.IN_TRANSIT)
    for number in tracking_numbers:
        shipment = Shipment.objects.filter(order=order, tracking_number=number[:100]).first()
        if shipment is None:
            Shipment.objects.create(
                order=order,
                carrier=carrier[:50] or "unknown",
                tracking_number=number[:100],
                status=status,
                shipped_at=shipped_at or timezone.now(),
            )
        elif shipment_status:
            shipment.status = status
            shipment.save(update_fields=["status"])
    if order.status in (Order.Status.PENDING, Order.Status.PAID):
        order.status = Order.Status.SHIPPED
        order.save(update_fields=["status"])
    return order
