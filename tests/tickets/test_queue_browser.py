"""The work queue in a real headless Chromium (Playwright, tests/browser.py): an agent works the
list with the keyboard (j/k, Enter, back keeps the filters), assigns in bulk, opens the next
most urgent ticket, sees a new ticket arrive without reloading; axe finds no serious or
critical violation on the inbox and the ticket page; at 390 px the inbox does not scroll
sideways."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.sla.models import TicketSla
from afterdesk.tickets import services
from afterdesk.tickets.models import Status, Ticket
from tests.browser import (
    BROWSER_TEST,
    assert_no_axe_violations,
    console_errors,
    no_horizontal_scroll,
    screenshot,
    sign_in,
)
from tests.factories import UserFactory

pytestmark = BROWSER_TEST


def _ticket(team: Team, subject: str, *, assignee: User | None, due_in: int | None) -> Ticket:
    ticket = services.ticket_create(
        subject=subject, channel="email", body=f"About: {subject}", language="en"
    )
    Ticket.objects.filter(pk=ticket.pk).update(team=team, assignee=assignee, status=Status.OPEN)
    if due_in is not None:
        TicketSla.objects.create(
            ticket=ticket,
            first_reply_due=timezone.now() + timedelta(minutes=due_in),
            computed_at=timezone.now(),
        )
    return Ticket.objects.get(pk=ticket.pk)


def test_an_agent_works_the_queue_with_the_keyboard(
    page: Page, live_server: Any, agent: User, team: Team
) -> None:
    colleague = UserFactory(username="cara", first_name="Cara", teams=[team])
    _ticket(team, "Refund for a broken mug", assignee=agent, due_in=240)
    urgent = _ticket(team, "Parcel stuck in customs", assignee=agent, due_in=15)
    _ticket(team, "Wrong size sent", assignee=agent, due_in=None)
    loose_a = _ticket(team, "Unassigned question A", assignee=None, due_in=None)
    loose_b = _ticket(team, "Unassigned question B", assignee=None, due_in=None)

    page.add_init_script("window.afterdeskPollMs = 1500;")
    sign_in(page, live_server, agent)
    page.goto(live_server.url + "/")
    rows = page.locator("#ticket-list tr.queue-row")
    expect(rows).to_have_count(3)  # an agent starts on their own unsolved tickets
    expect(page.locator(".queue-views a[aria-current=page]")).to_have_text("Mine, unsolved")
    screenshot(page, "queue-1-mine")
    assert_no_axe_violations(page)

    # My teams, sorted by SLA deadline: the filters go into the URL.
    page.click(".queue-views a[href='?view=team']")
    page.select_option("#id_sort", "due")
    expect(page).to_have_url(re.compile(r"view=team.*sort=due"))
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text("Parcel stuck in customs")
    expect(rows.first.locator("td.due")).to_contain_text("in ")

    # j/k move, Enter opens; "← Inbox" comes back to the same filtered list.
    page.locator("body").press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.first).to_have_class(re.compile("is-current"))
    page.keyboard.press("j")
    second = rows.nth(1).get_attribute("data-ticket")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/tickets/{second}/\?inbox=view%3Dteam%26sort%3Ddue"))
    expect(page.locator("h1")).to_have_count(1)
    assert_no_axe_violations(page)
    screenshot(page, "queue-2-ticket")
    page.keyboard.press("a")  # assign: the agent select of the ticket page
    assert page.evaluate("document.activeElement.name") == "agent"
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("s")  # solve: Solved chosen, its button focused (Enter confirms)
    assert page.locator("#form-status select[name=status]").input_value() == "solved"
    page.keyboard.press("u")
    expect(page).to_have_url(re.compile(r"/\?view=team&sort=due$"))
    expect(rows).to_have_count(5)
    expect(page.locator("#id_sort")).to_have_value("due")

    # Bulk: tick the two unassigned tickets, give them to Cara.
    for ticket in (loose_a, loose_b):
        page.check(f"tr[data-ticket='{ticket.pk}'] input[type=checkbox]")
    page.select_option("#id_bulk_action", "assign")
    page.select_option("#id_bulk_agent", "cara")
    page.click("#bulk-form button[type=submit]")
    expect(page.locator(".bulk-result")).to_contain_text("2 tickets changed.")
    assert set(
        Ticket.objects.filter(pk__in=[loose_a.pk, loose_b.pk]).values_list("assignee", flat=True)
    ) == {colleague.pk}
    expect(page).to_have_url(re.compile(r"/\?view=team&sort=due$"))  # still the same list

    # Live: a ticket given to me shows up without a reload.
    page.click(".queue-views a[href='?view=mine']")
    expect(rows).to_have_count(3)
    page.evaluate("window.__marker = 'same page'")
    _ticket(team, "Just arrived", assignee=agent, due_in=None)
    expect(rows).to_have_count(4, timeout=15_000)
    assert page.evaluate("window.__marker") == "same page"

    # "?" shows the shortcuts; Escape closes them.
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()

    # Next ticket: the most urgent of the view, with the view carried along.
    page.keyboard.press("Shift+N")
    expect(page).to_have_url(re.compile(rf"/tickets/{urgent.pk}/\?inbox=view%3Dmine"))
    expect(page.locator("#back-to-inbox")).to_have_attribute("href", "/?view=mine")

    assert console_errors(page) == []


def test_the_inbox_fits_a_phone(
    phone_page: Page, live_server: Any, agent: User, team: Team
) -> None:
    for n in range(3):
        _ticket(
            team,
            f"A rather long subject line about parcel number {n} and more",
            assignee=agent,
            due_in=30 * n,
        )
    sign_in(phone_page, live_server, agent)
    phone_page.goto(live_server.url + "/")
    expect(phone_page.locator("#ticket-list tr.queue-row")).to_have_count(3)
    screenshot(phone_page, "queue-phone", full_page=True)
    assert no_horizontal_scroll(phone_page), phone_page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert_no_axe_violations(phone_page)
