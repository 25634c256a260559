"""Writes the demo's stores, customers, orders and parcels, and links the imported tickets to
them. Bulk inserts: the demo must load in seconds, on SQLite too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from afterdesk.commerce.models import (
    Customer,
    CustomerIdentity,
    Order,
    OrderLine,
    Shipment,
    Store,
    TrackingEvent,
)
from afterdesk.demo.catalog import StoreSpec
from afterdesk.demo.generator import DemoDataset
from afterdesk.tickets.models import Ticket

BATCH = 1000


@dataclass
class CommerceCounts:
    stores: int = 0
    customers: int = 0
    orders: int = 0
    order_lines: int = 0
    shipments: int = 0
    tracking_events: int = 0


def stores_upsert(*, specs: Sequence[StoreSpec]) -> dict[str, Store]:
    """The demo's stores with their names, platforms, markets and currencies."""
    stores: dict[str, Store] = {}
    for spec in specs:
        store, _ = Store.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "platform": spec.platform,
                "market": spec.market,
                "currency": spec.currency,
            },
        )
        stores[spec.code] = store
    return stores


def commerce_create(*, dataset: DemoDataset, stores: dict[str, Store]) -> CommerceCounts:
    """Customers (with their email or marketplace handle), orders, lines, shipments and
    tracking events of the dataset. The stores must exist (`stores_upsert`)."""
    counts = CommerceCounts(stores=len(stores))
    customers = [
        Customer(
            store=stores[spec.store],
            name=spec.name,
            language=spec.language,
            country=spec.country,
        )
        for spec in dataset.customers
    ]
    Customer.objects.bulk_create(customers, batch_size=BATCH)
    by_key = {spec.key: row for spec, row in zip(dataset.customers, customers, strict=True)}
    identities: list[CustomerIdentity] = []
    for spec in dataset.customers:
        customer = by_key[spec.key]
        identities.append(
            CustomerIdentity(customer=customer, kind=CustomerIdentity.Kind.EMAIL, value=spec.email)
        )
        if spec.handle:
            identities.append(
                CustomerIdentity(
                    customer=customer, kind=CustomerIdentity.Kind.HANDLE, value=spec.handle
                )
            )
    CustomerIdentity.objects.bulk_create(identities, batch_size=BATCH)
    orders = [
        Order(
            store=stores[order.store],
            customer=by_key[order.customer],
            number=order.number,
            status=order.status,
            total=order.total,
            currency=order.currency,
            placed_at=order.placed_at,
        )
        for order in dataset.orders
    ]
    Order.objects.bulk_create(orders, batch_size=BATCH)
    lines: list[OrderLine] = []
    shipments: list[Shipment] = []
    for order_spec, row in zip(dataset.orders, orders, strict=True):
        lines.extend(
            OrderLine(
                order=row,
                sku=line.sku,
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
            )
            for line in order_spec.lines
        )
        parcel = order_spec.shipment
        shipments.append(
            Shipment(
                order=row,
                carrier=parcel.carrier,
                tracking_number=parcel.tracking,
                status=parcel.status,
                shipped_at=parcel.shipped_at,
                delivered_at=parcel.delivered_at,
            )
        )
    OrderLine.objects.bulk_create(lines, batch_size=BATCH)
    Shipment.objects.bulk_create(shipments, batch_size=BATCH)
    tracking = [
        TrackingEvent(
            shipment=shipment,
            at=event.at,
            status=event.status,
            location=event.location,
            description=event.description,
        )
        for order_spec, shipment in zip(dataset.orders, shipments, strict=True)
        for event in order_spec.shipment.events
    ]
    TrackingEvent.objects.bulk_create(tracking, batch_size=BATCH)
    counts.customers, counts.orders, counts.order_lines = len(customers), len(orders), len(lines)
    counts.shipments, counts.tracking_events = len(shipments), len(tracking)
    _tickets_link(dataset=dataset, stores=stores, customers=by_key, orders=orders)
    return counts


def _tickets_link(
    *,
    dataset: DemoDataset,
    stores: dict[str, Store],
    customers: dict[int, Customer],
    orders: list[Order],
) -> None:
    """Each imported ticket gets its store, customer and order (the history format carries
    none of the last two)."""
    order_by_number = {(order.store_id, order.number): order for order in orders}
    tickets = dict(
        Ticket.objects.filter(external_id__in=[t.line["id"] for t in dataset.tickets]).values_list(
            "external_id", "pk"
        )
    )
    links: list[tuple[int, int, int]] = []
    through: list[object] = []
    ticket_orders = Ticket.orders.through
    for demo in dataset.tickets:
        ticket_pk = tickets[demo.line["id"]]
        store = stores[demo.store]
        links.append((store.pk, customers[demo.customer].pk, ticket_pk))
        order = order_by_number[(store.pk, demo.order)]
        through.append(ticket_orders(ticket_id=ticket_pk, order_id=order.pk))
    # One plain UPDATE per ticket: Django's bulk_update builds CASE expressions that cost
    # seconds for a few thousand rows.
    table = connection.ops.quote_name(Ticket._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET store_id = %s, customer_id = %s WHERE id = %s",  # noqa: S608
            links,
        )
    ticket_orders.objects.bulk_create(through, batch_size=BATCH)  # type: ignore[arg-type]
