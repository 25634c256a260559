"""Search a tracking number in a real headless Chromium (Playwright, tests/browser.py): from the
inbox, "/" focuses the search box, a parcel's tracking number (typed in lower case) and Enter
swap the list for the one ticket of that parcel, although a colleague has it and the agent's
own view would not list it; Enter opens it and its order panel shows the parcel. The results
and the ticket page pass axe; no console error on the way."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.browser import (
    BROWSER_TEST,
    assert_no_axe_violations,
    console_errors,
    screenshot,
    sign_in,
)
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ShipmentFactory,
    StoreFactory,
    UserFactory,
)

pytestmark = BROWSER_TEST

TRACKING = "JD014600000001"


def parcel_ticket(
    team: Team, *, subject: str, tracking: str, number: str, assignee: User | None
) -> Ticket:
    """A buyer's ticket about an order with one parcel of the given tracking number."""
    store = StoreFactory(name=f"Store of {number}")
    customer = CustomerFactory(store=store, name=f"Buyer {number}")
    order = OrderFactory(store=store, customer=customer, number=number)
    ShipmentFactory(order=order, carrier="DHL", tracking_number=tracking)
    ticket = services.ticket_create(
        subject=subject,
        channel="email",
        body="Hello, where is my parcel?",
        customer=customer,
        store=store,
        orders=[order],
        language="en",
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=assignee)
    return Ticket.objects.get(pk=ticket.pk)


def search_tracking_number(page: Page, tracking: str) -> None:
    """On the inbox: "/" to the search box, type the number, Enter; the list is swapped."""
    page.locator("body").press("/")
    search = page.locator("#id_q")
    expect(search).to_be_focused()
    search.fill(tracking)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"q={tracking}"))


def test_an_agent_finds_a_ticket_by_its_tracking_number(
    page: Page, live_server: Any, agent: User, team: Team
) -> None:
    colleague = UserFactory(username="cara", first_name="Cara", teams=[team])
    mine = parcel_ticket(
        team, subject="Missing mug", tracking="JD014600000777", number="#7001", assignee=agent
    )
    wanted = parcel_ticket(
        team,
        subject="Parcel held at the depot",
        tracking=TRACKING,
        number="#7002",
        assignee=colleague,
    )
    # Part of a tracking number is not one: this parcel's number only begins the same way.
    parcel_ticket(
        team,
        subject="Another parcel",
        tracking=TRACKING + "99",
        number="#7003",
        assignee=colleague,
    )

    sign_in(page, live_server, agent)
    page.goto(live_server.url + "/")
    rows = page.locator("#ticket-list tr.queue-row")
    expect(rows).to_have_count(1)  # "Mine, unsolved": the colleague's ticket is not listed
    expect(rows.first).to_contain_text(mine.subject)

    page.evaluate("window.__marker = 'same page'")
    search_tracking_number(page, TRACKING.lower())  # any case
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Parcel held at the depot")
    expect(rows.first).to_have_attribute("data-ticket", str(wanted.pk))
    assert page.evaluate("window.__marker") == "same page"  # only the list was swapped
    expect(page.locator("#id_q")).to_have_value(TRACKING.lower())
    screenshot(page, "search-1-results")
    assert_no_axe_violations(page)

    # Open it with the keyboard: the ticket page, its order panel naming the parcel.
    page.locator("#id_q").blur()  # fires the filter form's "change": one more fetch
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    page.keyboard.press("j")
    expect(rows.first).to_have_class(re.compile("is-current"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{wanted.pk}/\?inbox="))
    expect(page.locator("h1")).to_contain_text("Parcel held at the depot")
    expect(page.get_by_text(TRACKING, exact=False).first).to_be_visible()
    screenshot(page, "search-2-ticket")
    assert_no_axe_violations(page)

    # "← Inbox" goes back to the search.
    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(rf"q={TRACKING.lower()}"))
    expect(rows).to_have_count(1)
    assert console_errors(page) == []
