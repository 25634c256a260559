"""A buyer's return from the ticket to the refund in a real browser (Playwright, system
Chromium; docs/returns.md): the agent starts the return on the ticket page, approves it (the
buyer's German email with the printable instructions link goes out on the ticket), sends the
label, the warehouse checks the parcel in by its tracking number and records QC, the agent
refunds it on the local Shopify server (tests/stores/servers.py); the outcome is the `return`
event, the agent's `return_retention_rate` moves, and the supervisor's analytics show the SKU.
Set AFTERDESK_SCREENSHOTS=<folder> to keep screenshots of each step."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.metrics.kpis import compute_kpis
from afterdesk.metrics.templates import default_template
from afterdesk.returns.demo import returns_demo_load
from afterdesk.returns.models import RefundState, ReturnCase, State
from afterdesk.returns.services.cases import LineIn, case_create, case_resolve
from afterdesk.tickets import services as ticket_services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.browser import BROWSER_TEST, console_errors, screenshot, sign_in
from tests.factories import CustomerFactory
from tests.stores.servers import ShopifyServer

pytestmark = BROWSER_TEST


def retention(agent: User, start: Any) -> tuple[object, int]:
    kpi = compute_kpis(
        start=start, end=timezone.now() + timedelta(hours=1), template=default_template()
    )[agent.pk]["return_retention_rate"]
    return kpi.value, kpi.n


def buyer_ticket(order: Order, team: Team, agent: User, subject: str) -> Ticket:
    customer = CustomerFactory(name="Lena Vogel", store=order.store)
    ticket = ticket_services.ticket_create(
        subject=subject,
        channel="email",
        body="Die Tasse ist zu klein, ich möchte sie zurückgeben.",
        customer=customer,
        store=order.store,
        orders=[order],
        external_id=f"B-{Ticket.objects.count()}",
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=team, language="de")
    ticket.refresh_from_db()
    ticket_services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    return ticket


def test_a_return_from_the_ticket_to_a_shopify_refund_in_a_browser(
    page: Page,
    new_page: Callable[..., Page],
    live_server: Any,
    agent: User,
    admin_user: User,
    supervisor: User,
    team: Team,
    shop_order: Order,
    shopify_server: ShopifyServer,
) -> None:
    start = timezone.now() - timedelta(hours=1)
    returns_demo_load(admin=admin_user)  # the step emails, and the return addresses
    # An earlier return of the agent that the buyer withdrew: retained, so the rate is 1 of 1.
    earlier = buyer_ticket(shop_order, team, agent, "Falsche Farbe")
    case_resolve(
        by=agent,
        case=case_create(
            by=agent,
            ticket=earlier,
            order=shop_order,
            lines=[LineIn(shop_order.lines.get(sku="SHIP").pk, 1)],
            reason="changed_mind",
            requested_resolution="refund",
        ),
        resolution="withdrawn",
    )
    assert retention(agent, start) == (1, 1)
    ticket = buyer_ticket(shop_order, team, agent, "Rücksendung Tasse")
    mug = shop_order.lines.get(sku="MUG-1")

    # The agent starts the return from the ticket page's Returns panel.
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    panel = page.locator("#returns-panel")
    panel.locator("summary").click()
    panel.locator(f"input[name=qty_{mug.pk}]").fill("1")
    panel.locator("select[name=reason]").select_option("size_issue")
    panel.locator("select[name=requested_resolution]").select_option("refund")
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Requested")
    case = ReturnCase.objects.get(ticket=ticket)
    expect(page.locator("h1")).to_contain_text(case.rma)
    screenshot(page, "returns-1-requested")

    # Approved: the buyer's German email with the instructions link is on the ticket.
    with page.expect_navigation():
        page.get_by_role("button", name="Approve").click()
    expect(page.locator("h1")).to_contain_text("Approved")
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator("#conversation")).to_contain_text(
        f"Ihre Rücksendung {case.rma} ist genehmigt"
    )
    link = re.search(
        r"https?://\S+?(/returns/rma/\S+/)", page.locator("#conversation").inner_text()
    )
    assert link is not None
    printable = new_page()  # the buyer: not signed in
    printable.goto(live_server.url + link.group(1))
    expect(printable.locator("h1")).to_have_text("Rücksendeanleitung")
    expect(printable.locator("#rma-number")).to_have_text(case.rma)
    expect(printable.locator("#rma-address")).to_contain_text("Venlo")  # DE: the EU warehouse
    screenshot(printable, "returns-2-printable-instructions")
    assert console_errors(printable) == []

    # The label goes out, the parcel travels.
    page.goto(f"{live_server.url}/returns/{case.pk}/")
    page.fill("input[name=carrier]", "DHL")
    page.fill("input[name=tracking_number]", "RT123456789DE")
    with page.expect_navigation():
        page.get_by_role("button", name="Label sent").click()
    expect(page.locator("h1")).to_contain_text("Label sent")
    with page.expect_navigation():
        page.get_by_role("button", name="In transit").click()
    expect(page.locator("h1")).to_contain_text("In transit")

    # The warehouse checks it in by the label's tracking number and records QC.
    page.goto(f"{live_server.url}/returns/check-in/")
    page.fill("input[name=code]", "RT123456789DE")
    with page.expect_navigation():
        page.get_by_role("button", name="Find").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Received").click()
    page.locator("select[name^=qc_]").select_option("resellable")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the inspection").click()
    expect(page.locator("h2")).to_contain_text("Inspected")
    screenshot(page, "returns-3-checked-in")

    # The refund, on the local Shopify server.
    page.goto(f"{live_server.url}/returns/{case.pk}/")
    expect(page.locator("input[name=amount]")).to_have_value("24.95")
    with page.expect_navigation():
        page.get_by_role("button", name="Refund", exact=True).click()
    expect(page.locator("h1")).to_contain_text("Resolved")
    expect(page.locator("main")).to_contain_text("gid://shopify/Refund/1")
    screenshot(page, "returns-4-refunded")
    assert len(shopify_server.refunds) == 1
    assert shopify_server.refunds[0]["transactions"][0]["amount"] == "24.95"
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    assert case.refunds.get().state == RefundState.SUCCEEDED

    # The outcome is the `return` event, and it moves the agent's return_retention_rate.
    outcome = TicketEvent.objects.get(ticket=ticket, kind="return")
    assert outcome.fields == {"outcome": "return_refund", "amount": 24.95, "currency": "EUR"}
    assert retention(agent, start) == (Fraction(1, 2), 2)
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    expect(page.locator("#conversation")).to_contain_text("24,95")  # the refund email
    assert console_errors(page) == []

    # The supervisor's analytics show the SKU with its return and the amount refunded.
    boss = new_page()
    sign_in(boss, live_server, supervisor)
    today = timezone.localdate()  # the period: the order's days and today
    since = (today - timedelta(days=30)).isoformat()
    boss.goto(f"{live_server.url}/returns/analytics/?from={since}&to={today.isoformat()}")
    row = boss.locator("tr", has_text="MUG-1").first
    expect(row).to_contain_text("24.95")
    screenshot(boss, "returns-5-analytics")
