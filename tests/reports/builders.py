"""A small, fully known history for the report tests, built through tickets.services."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from afterdesk.accounts.models import User
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON, TemplateSpec
from afterdesk.reports.services import template_get
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import OrderFactory, OrderLineFactory, UserFactory

WEEK_START = datetime(2026, 10, 5, tzinfo=UTC)  # a Monday
WEEK_END = WEEK_START + timedelta(days=7)
PREVIOUS_START = WEEK_START - timedelta(days=7)


def review_template() -> TemplateSpec:
    """The example of docs/metrics.md, "Template JSON", with min_samples 1, so a few tickets
    give a total."""
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


def tier_templates() -> tuple[TemplateSpec, TemplateSpec]:
    """Two stored templates with different categories, KPIs and first-reply targets, assigned
    to the positions `pos_a` and `=pos_b` (a position a spreadsheet would take for a formula).

    tier_a: the default template with min_samples 1 (normal first replies within 480 min);
    tier_b (named `=Tier B`): one category `service` (csat_rate, first_reply_time_business,
    handled_volume) and normal first replies within 60 min."""
    data = copy.deepcopy(DEFAULT_TEMPLATE_JSON)
    data.update(id="tier_a", name="Tier A", min_samples=1)
    template_save(definition=data)
    template_save(
        definition={
            "id": "tier_b",
            "name": "=Tier B",
            "min_samples": 1,
            "categories": [
                {
                    "name": "service",
                    "weight": 1,
                    "kpis": [
                        {"kpi": "csat_rate", "weight": 1, "target": 1.0, "floor": 0.0},
                        {
                            "kpi": "first_reply_time_business",
                            "weight": 1,
                            "target": 10,
                            "floor": 600,
                        },
                        {"kpi": "handled_volume", "weight": 1, "target": 10, "floor": 0},
                    ],
                }
            ],
            "default_category_target": 100,
            "first_reply_target": {"normal": 60},
        }
    )
    template_assign(template_key="tier_a", position="pos_a")
    template_assign(template_key="tier_b", position="=pos_b")
    return template_get(key="tier_a"), template_get(key="tier_b")


def tier_history(created: datetime) -> dict[str, User]:
    """Two agents per tier and one without a template, each with one ticket `created`:
    a1 (30 min, rated 5) beats a2 (300 min, rated 3) under tier_a; b1 (30 min) beats b2
    (90 min: over tier_b's 60-minute target) under tier_b; `nobody` (no position) 20 min."""
    people = {
        "a1": ("pos_a", 30, 5),
        "a2": ("pos_a", 300, 3),
        "b1": ("=pos_b", 30, 5),
        "b2": ("=pos_b", 90, 4),
        "nobody": ("", 20, None),
    }
    users = {}
    for name, (position, minutes, rating) in people.items():
        users[name] = UserFactory(username=name, position=position)
        solved(users[name], created=created, reply_minutes=minutes, rating=rating)
    return users
