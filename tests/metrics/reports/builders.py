"""A small, fully known history for the report tests, built through tickets.services."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from afterdesk.accounts.models import User
from afterdesk.metrics.reports.services import template_get
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, TemplateSpec
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import OrderFactory, OrderLineFactory

WEEK_START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
WEEK_END = WEEK_START + timedelta(days=7)
PREVIOUS_START = WEEK_START - timedelta(days=7)


def review_template() -> TemplateSpec:
    """The METRICS.md §5 example with min_samples 1, so a few tickets give a total."""
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="review_test", name="Review test", min_samples=1)
    template_save(definition=data)
    return template_get(key="review_test")


def solved(
    agent: User,
    *,
    created: datetime,
    reply_minutes: float,
    priority: str = "normal",
    category: str = "not_received",
    market: str = "US",
    skus: Sequence[str] = (),
    rating: int | None = None,
    customer: bool = True,
) -> Ticket:
    """A ticket (customer-initiated unless `customer=False`) answered and solved by `agent`
    `reply_minutes` after it was created (24×7: business = elapsed)."""
    orders = []
    if skus:
        order = OrderFactory()
        for sku in skus:
            OrderLineFactory(order=order, sku=sku)
        orders.append(order)
    ticket = services.ticket_create(
        subject=f"{category} for {agent.username}",
        channel="email",
        body="Where is it?" if customer else "",
        at=created,
        priority=priority,
        category=category,
        market=market,
        orders=orders,
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=created)
    at = created + timedelta(minutes=reply_minutes)
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=at)
    if rating is not None:
        services.csat_record(ticket=ticket, rating=rating, at=at + timedelta(hours=1))
    return ticket
