"""In the ticket (issue 18): the ticket page shows each order's lines, totals, currency,
payment and fulfilment status, the admin link where known, and each parcel's tracking timeline
with its stalled flag; the inbox search finds tickets by order and tracking numbers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.commerce.models import Order, Shipment, TrackingStatus
from afterdesk.parcels.models import TrackingSource
from afterdesk.parcels.services.tracking import Checkpoint, checkpoints_record
from afterdesk.stores.models import OrderLink, StoreConnection
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import (
    T0,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    StoreFactory,
    TicketFactory,
)

pytestmark = pytest.mark.django_db

SUBJECT = re.compile(r'class="subject">\s*<a [^>]*href="/tickets/\d+/[^"]*"[^>]*>([^<]+)</a>')
ADMIN_URL = "https://linen.myshopify.com/admin/orders/5550001"


def ticket_with_parcel(
    team: Team, *, number: str, tracking: str, subject: str
) -> tuple[Ticket, Order]:
    store = StoreFactory(name="Linen & Co", platform="shopify", market="DE")
    customer = CustomerFactory(store=store)
    order = OrderFactory(
        store=store, customer=customer, number=number, total=Decimal("84.50"), currency="EUR"
    )
    OrderLineFactory(order=order, title="Linen shirt", sku="LS-01", unit_price=Decimal("42.25"))
    ShipmentFactory(order=order, carrier="DHL", tracking_number=tracking)
    ticket = services.ticket_create(
        subject=subject,
        channel="email",
        body="Where is it?",
        customer=customer,
        store=store,
        orders=[order],
        at=T0,
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket, order


def test_the_ticket_page_shows_order_facts_timeline_and_stall(
    client: Client, agent: User, team: Team
) -> None:
    ticket, order = ticket_with_parcel(team, number="#5001", tracking="JD0146001", subject="Late")
    connection = StoreConnection.objects.create(platform="shopify", name="Linen", store=order.store)
    OrderLink.objects.create(
        connection=connection,
        order=order,
        external_id="5550001",
        financial_status="PAID",
        fulfillment_status="FULFILLED",
        admin_url=ADMIN_URL,
    )
    checkpoints_record(
        [
            Checkpoint(
                tracking_number="JD0146001",
                carrier="DHL",
                at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                status=TrackingStatus.FAILED_ATTEMPT,
                raw_status="AttemptFail",
                description="Nobody at home",
                location="Berlin",
                source=TrackingSource.AFTERSHIP,
            )
        ]
    )
    shipment = order.shipments.get()
    shipment.stalled = True
    shipment.stalled_since = datetime(2026, 11, 9, tzinfo=UTC)
    shipment.save()
    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Linen shirt" in page
    assert "84.50 EUR" in page
    assert '<dd class="order-payment">PAID</dd>' in page
    assert '<dd class="order-fulfilment">FULFILLED</dd>' in page
    assert f'href="{ADMIN_URL}"' in page
    assert "Failed attempt" in page
    assert "Nobody at home" in page
    assert "(aftership)" in page
    assert "Stalled since 2026-11-09" in page


def test_an_order_without_platform_link_shows_its_own_status_and_no_link(
    client: Client, agent: User, team: Team
) -> None:
    ticket, _order = ticket_with_parcel(team, number="#5002", tracking="JD0146002", subject="X")
    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert '<dd class="order-payment">Paid</dd>' in page
    assert "order-admin-link" not in page
    assert "parcel-stalled" not in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("#7001", {"order seven"}),
        ("7001", {"order seven"}),
        ("jd0146007", {"order seven"}),
        ("JD0146008", {"order eight"}),
        ("JD01460", set()),  # a part of a tracking number is not one
    ],
)
def test_the_inbox_search_finds_tickets_by_order_and_tracking_number(
    client: Client, supervisor: User, team: Team, query: str, expected: set[str]
) -> None:
    ticket_with_parcel(team, number="#7001", tracking="JD0146007", subject="order seven")
    ticket_with_parcel(team, number="#7002", tracking="JD0146008", subject="order eight")
    TicketFactory(subject="unrelated", team=team)
    client.force_login(supervisor)
    response = client.get(reverse("tickets:inbox"), {"q": query}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert set(SUBJECT.findall(response.content.decode())) == expected


def test_the_order_api_shows_normalised_tracking_and_the_stall(agent: User) -> None:
    order = OrderFactory(number="#9001")
    shipment = ShipmentFactory(order=order, tracking_number="JD0149001")
    checkpoints_record(
        [
            Checkpoint(
                tracking_number="JD0149001",
                carrier="DHL",
                at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                status=TrackingStatus.IN_TRANSIT,
                raw_status="InTransit_PickedUp",
                description="Picked up",
                location="Leipzig",
                source=TrackingSource.SEVENTEEN_TRACK,
            )
        ]
    )
    Shipment.objects.filter(pk=shipment.pk).update(
        stalled=True, stalled_since=datetime(2026, 11, 9, tzinfo=UTC)
    )
    _token, raw = api_token_create(user=agent, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    [parcel] = api.get(f"/api/orders/{order.pk}").json()["shipments"]
    assert parcel["tracking_status"] == "in_transit"
    assert parcel["stalled"] is True
    assert parcel["stalled_since"] == "2026-11-09T00:00:00Z"
    [event] = parcel["events"]
    assert event["tracking_status"] == "in_transit"
    assert event["raw_status"] == "InTransit_PickedUp"
    assert event["source"] == "17track"


def test_the_ticket_page_lists_the_buyers_other_orders(
    client: Client, agent: User, team: Team
) -> None:
    ticket, order = ticket_with_parcel(team, number="#6001", tracking="JD0146061", subject="Hi")
    customer = order.customer
    older = OrderFactory(
        store=order.store,
        customer=customer,
        number="#5990",
        total=Decimal("12.00"),
        currency="EUR",
    )
    connection = StoreConnection.objects.create(platform="shopify", name="L", store=order.store)
    OrderLink.objects.create(
        connection=connection, order=older, external_id="5549990", admin_url=ADMIN_URL
    )
    OrderFactory(store=order.store, number="#5991")  # another buyer's
    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    others = page.split('class="other-orders"')[1].split("</ul>")[0]
    assert "#5990" in others
    assert "12.00 EUR" in others
    assert f'class="other-order-admin-link" href="{ADMIN_URL}"' in others
    assert "#6001" not in others  # linked: shown in full above
    assert "#5991" not in page
