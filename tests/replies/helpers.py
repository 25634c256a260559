"""Shared builders for the replies tests: a ticket with a buyer, an order and a parcel."""

from __future__ import annotations

from datetime import UTC, datetime

from afterdesk.accounts.models import Team, User
from afterdesk.replies import services
from afterdesk.replies.models import ReplyTemplate
from afterdesk.replies.services import VariantIn
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Ticket
from tests.factories import (
    T0,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
)

ES = (
    "Hola {{ buyer_name }}:\n"
    "Tu pedido {{ order_number }} del {{ order_date }} "
    "({% for item in items %}{{ item.quantity }} × {{ item.title }}{% endfor %}) está "
    "{{ tracking_status }}: {{ tracking_link }}\n"
    "Un saludo, {{ agent_name }} ({{ store_name }})"
)
EN = (
    "Hi {{ buyer_name }},\nYour order {{ order_number }} of {{ order_date }} is "
    "{{ tracking_status }}: {{ tracking_link }}\n{{ agent_name }}, {{ store_name }}"
)


def ticket_for(team: Team, *, language: str = "es", with_order: bool = True) -> Ticket:
    store = StoreFactory(name="Tienda Lino")
    customer = CustomerFactory(store=store, name="Lucía Gómez")
    orders = []
    if with_order:
        order = OrderFactory(
            store=store,
            customer=customer,
            number="#5001",
            placed_at=datetime(2026, 11, 20, 10, tzinfo=UTC),
        )
        OrderLineFactory(order=order, title="Camisa de lino", quantity=2)
        ShipmentFactory(
            order=order,
            carrier="DHL",
            tracking_number="JD014600000001",
            tracking_status="in_transit",
        )
        orders = [order]
    ticket = tickets.ticket_create(
        subject="¿Dónde está mi pedido?",
        channel="email",
        body="Hola, no ha llegado mi pedido",
        customer=customer,
        store=store,
        orders=orders,
        language=language,
        category="not_received",
        at=T0,
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket


def template(
    by: User, *, key: str = "where-is-my-order", variants: dict[str, str] | None = None
) -> ReplyTemplate:
    chosen = variants if variants is not None else {"en": EN, "es": ES}
    return services.template_save(
        by=by,
        key=key,
        name="Where is my order",
        default_language="en",
        variants=[VariantIn(language=lang, body=body) for lang, body in chosen.items()],
    )
