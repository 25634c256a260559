"""Issue 18, "In the ticket", through the real entry points only: a Shopify order webhook, the
buyer's email naming the order, a Shopify fulfilment webhook, a 17TRACK push, the stall check.
The ticket page then shows the order's lines, total, currency, payment and fulfilment status,
the link to the order in Shopify's admin and the parcel's timeline with its flag; the inbox
search finds the ticket by the order number and the tracking number."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.commerce.models import Order
from afterdesk.parcels.services.stalls import stalls_check
from afterdesk.stores.models import StoreConnection
from afterdesk.tickets.models import Ticket
from tests.parcels.payloads import seventeen_body, seventeen_event
from tests.stores.test_webhooks import post_shopify, shopify_order_body

pytestmark = pytest.mark.django_db

SUBJECT = re.compile(r'class="subject">\s*<a [^>]*href="/tickets/\d+/[^"]*"[^>]*>([^<]+)</a>')
SEVENTEEN_KEY = "17track-key"


def buyer_mail(order_number: str) -> bytes:
    return (
        "From: Ines Buyer <ines@example.com>\r\n"
        "To: support@mugs.example\r\n"
        f"Subject: Where is my order {order_number}?\r\n"
        "Message-ID: <where-is-it@example.com>\r\n"
        "Date: Fri, 06 Nov 2026 10:00:00 +0000\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        f"Hello, my order {order_number} has not arrived. Where is it?\r\n"
    ).encode()


def test_a_shopify_order_its_parcel_and_tracking_in_the_ticket(
    client: Client,
    shopify_connection: StoreConnection,
    supervisor: User,
    team: Team,
    settings: Any,
) -> None:
    settings.SEVENTEEN_TRACK_WEBHOOK_KEY = SEVENTEEN_KEY
    order_body = shopify_order_body(1001, financial_status="partially_paid")
    assert (
        post_shopify(client, shopify_connection, json.dumps(order_body).encode()).status_code == 200
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        email_ingest(buyer_mail("#1001"), source="test")
    ticket = Ticket.objects.get()
    order = Order.objects.get()
    assert list(ticket.orders.all()) == [order]

    long_ago = timezone.now() - timedelta(days=12)
    fulfilment = {
        "id": 4001,
        "created_at": (long_ago - timedelta(hours=5)).isoformat(),
        "order_id": 5001001,
        "status": "success",
        "tracking_company": "Cainiao",
        "tracking_number": "LP00612345678CN",
        "tracking_numbers": ["LP00612345678CN"],
        "shipment_status": "in_transit",
    }
    answer = post_shopify(
        client,
        shopify_connection,
        json.dumps(fulfilment).encode(),
        topic="fulfillments/create",
        webhook_id="f1",
    )
    assert answer.status_code == 200
    # Shopify tells the order's new fulfilment status in the orders/updated that follows.
    fulfilled = shopify_order_body(
        1001,
        financial_status="partially_paid",
        fulfillment_status="fulfilled",
        updated_at=(long_ago - timedelta(hours=4)).isoformat(),
    )
    answer = post_shopify(
        client,
        shopify_connection,
        json.dumps(fulfilled).encode(),
        topic="orders/updated",
        webhook_id="u1",
    )
    assert answer.status_code == 200
    events = [
        seventeen_event(
            (long_ago + timedelta(days=1)).isoformat(),
            (long_ago + timedelta(days=1)).isoformat(),
            "Departed from the export hub",
            stage="Departure",
            sub_status="InTransit_Departure",
        ),
        seventeen_event(
            long_ago.isoformat(),
            long_ago.isoformat(),
            "Picked up by the carrier",
            stage="PickedUp",
            sub_status="InTransit_PickedUp",
        ),
    ]
    body = seventeen_body("LP00612345678CN", events)
    sign = hashlib.sha256(body + b"/" + SEVENTEEN_KEY.encode()).hexdigest()
    with TestCase.captureOnCommitCallbacks(execute=True):
        pushed = client.post(
            "/webhooks/tracking/17track",
            body,
            content_type="application/json",
            headers={"sign": sign},
        )
    assert pushed.status_code == 200
    assert len(stalls_check()) == 1  # 11 days quiet, over the default 7

    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    client.force_login(supervisor)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "#1001" in page
    assert "Mug" in page
    assert "MUG-1" in page
    assert "24.95" in page
    assert "Shipping" in page
    assert "10.00" in page
    assert "59.90 EUR" in page  # total and currency
    assert '<dd class="order-payment">partially_paid</dd>' in page
    assert '<dd class="order-fulfilment">fulfilled</dd>' in page
    admin_url = f"{shopify_connection.base_url}/admin/orders/5001001"
    assert f'class="order-admin-link" href="{admin_url}"' in page
    assert "LP00612345678CN" in page
    assert "Cainiao" in page
    assert "Picked up by the carrier" in page
    assert "Departed from the export hub" in page
    assert "(17track)" in page
    assert "parcel-stalled" in page

    for query in ("#1001", "1001", "lp00612345678cn"):
        found = client.get(reverse("tickets:inbox"), {"q": query}, HTTP_HX_REQUEST="true")
        assert SUBJECT.findall(found.content.decode()) == [ticket.subject], query


def test_a_parcel_no_tracker_reports_stalls_from_its_fulfilment(
    client: Client, shopify_connection: StoreConnection
) -> None:
    post_shopify(client, shopify_connection, json.dumps(shopify_order_body(1002)).encode())
    fulfilment = {
        "id": 4002,
        "order_id": 5001002,
        "created_at": (timezone.now() - timedelta(days=8)).isoformat(),
        "status": "success",
        "tracking_company": "DHL",
        "tracking_numbers": ["JD0146000099"],
        "shipment_status": None,
    }
    post_shopify(
        client,
        shopify_connection,
        json.dumps(fulfilment).encode(),
        topic="fulfillments/create",
        webhook_id="f2",
    )
    (stall,) = stalls_check()
    assert stall.shipment.tracking_number == "JD0146000099"
    assert stall.quiet_days == 7
