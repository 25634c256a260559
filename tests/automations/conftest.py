from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.automations.models import Rule
from afterdesk.automations.services import rule_save
from afterdesk.commerce.models import Order
from afterdesk.replies import services as replies
from afterdesk.replies.models import ReplyTemplate
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import CustomerIdentityFactory, OrderFactory, ShipmentFactory

MakeRule = Callable[..., Rule]
MakeTicket = Callable[..., Ticket]


@pytest.fixture(autouse=True)
def _no_default_rules(request: pytest.FixtureRequest) -> None:
    """The shipped rules (installed by a migration) are tested on their own
    (test_defaults.py); the other tests start from none."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    Rule.objects.exclude(default_key="").delete()


@pytest.fixture
def make_rule(admin_user: User) -> MakeRule:
    def make(trigger: str, actions: list[dict[str, Any]], **data: Any) -> Rule:
        data.setdefault("name", f"rule {Rule.objects.count() + 1}")
        return rule_save(by=admin_user, data={"trigger": trigger, "actions": actions, **data})

    return make


@pytest.fixture
def make_ticket() -> MakeTicket:
    """A ticket opened by a buyer's message, with an order and a parcel when asked."""

    def make(*, language: str = "en", order: bool = False, **fields: Any) -> Ticket:
        orders: list[Order] = []
        customer = None
        if order:
            shipment = ShipmentFactory()
            orders = [shipment.order]
            customer = shipment.order.customer
            CustomerIdentityFactory(customer=customer, value=f"buyer{customer.pk}@example.net")
        fields.setdefault("subject", "Where is my parcel?")
        fields.setdefault("body", "It has not arrived.")
        return services.ticket_create(
            channel=fields.pop("channel", "email"),
            language=language,
            orders=orders,
            customer=customer,
            **fields,
        )

    return make


@pytest.fixture
def apology(admin_user: User) -> ReplyTemplate:
    return replies.template_save(
        by=admin_user,
        key="parcel-stalled-apology",
        name="Parcel stalled: apology",
        default_language="en",
        variants=[
            replies.VariantIn(
                language="en",
                body="Dear {{ buyer_name }}, we are sorry: your parcel for order "
                "{{ order_number }} has not moved. We are on it.",
            ),
            replies.VariantIn(
                language="es",
                body="Hola {{ buyer_name }}, lo sentimos: el paquete del pedido "
                "{{ order_number }} no se ha movido. Ya lo estamos revisando.",
            ),
        ],
    )


def order_of(ticket: Ticket) -> Order:
    return ticket.orders.get()


__all__ = ["OrderFactory", "order_of"]


@pytest.fixture
def api_as() -> Any:
    from afterdesk.accounts.services import api_token_create
    from tests.metrics.api.conftest import Api

    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make
