"""One end-to-end run in a real headless Chromium (Playwright, tests/browser.py): sign in,
filter the inbox, reply over htmx, see a refused reply's message, switch to Chinese, with no
CSP violation in the browser console. Set AFTERDESK_SCREENSHOTS=<folder> to keep screenshots
of each step."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Status
from tests.browser import BROWSER_TEST, console_errors, screenshot, sign_in_with_form
from tests.factories import (
    CustomerFactory,
    CustomerIdentityFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
)

pytestmark = BROWSER_TEST


def test_sign_in_filter_reply_and_refusal_in_a_real_browser(
    page: Page, live_server: Any, agent: User, team: Team
) -> None:
    customer = CustomerFactory(name="Mia Buyer")
    CustomerIdentityFactory(customer=customer, value="mia@example.net")
    order = OrderFactory(customer=customer, store=customer.store, number="#5001")
    OrderLineFactory(order=order)
    TrackingEventFactory(shipment=ShipmentFactory(order=order))
    ticket = services.ticket_create(
        subject="Parcel never arrived",
        channel="email",
        body="Hello, where is my parcel?",
        customer=customer,
        orders=[order],
        tags=["vip"],
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    TicketFactory(subject="Chat about sizes", team=team, channel="chat")
    closed = TicketFactory(subject="Old closed case", team=team, status=Status.CLOSED)

    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    screenshot(page, "1-login")
    sign_in_with_form(page, live_server, "anna")
    expect(page.locator(".queue-views a[aria-current=page]")).to_have_text("Mine, unsolved")
    page.click(".queue-views a[href='?view=team']")  # nothing is Anna's yet: her teams
    expect(page.locator("#ticket-list")).to_contain_text("Parcel never arrived")
    screenshot(page, "2-inbox")

    # Filtering swaps the list only and keeps the URL in sync.
    page.select_option("#id_channel", "chat")
    expect(page).to_have_url(re.compile(r"channel=chat"))
    expect(page.locator("#ticket-list")).to_contain_text("1 ticket")
    expect(page.locator("#ticket-list")).not_to_contain_text("Parcel never arrived")
    screenshot(page, "3-inbox-filtered")

    # Reply over htmx: the conversation and history update without a page load.
    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.evaluate("window.__marker = 'same page'")
    page.fill("#form-reply textarea", "We are looking into it.")
    page.click("#form-reply button[type=submit]")
    expect(page.locator("#conversation")).to_contain_text("We are looking into it.")
    expect(page.locator("#history")).to_contain_text("Anna replied")
    expect(page.locator("#history")).to_contain_text("Status: New → Open · Anna")
    assert page.evaluate("window.__marker") == "same page"
    expect(page.locator("#ticket-header")).to_contain_text("Open")
    screenshot(page, "4-ticket-after-reply")

    # A refused reply (closed ticket) shows the reason in the form and writes nothing.
    page.goto(f"{live_server.url}/tickets/{closed.pk}/")
    page.fill("#form-reply textarea", "Too late?")
    page.click("#form-reply button[type=submit]")
    expect(page.locator("#form-reply")).to_contain_text("a closed ticket takes no more replies")
    assert not Message.objects.filter(ticket=closed).exists()
    screenshot(page, "5-closed-ticket-refusal")

    # The language switch reloads the page in Chinese.
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
        apply = page.locator(".language-switch button[type=submit]")
        if apply.count():  # the switch is applied by a button where there is one
            apply.click()
    expect(page.locator(".mainnav")).to_contain_text("收件箱")
    assert f"/tickets/{closed.pk}/" in page.url
    screenshot(page, "6-ticket-in-chinese")

    # No CSP violation or script error on the way (the refused reply's 409 is expected).
    assert console_errors(page, allow=("409",)) == []
