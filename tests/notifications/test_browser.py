"""The bell and an @mention in a real headless Chromium (Playwright, tests/browser.py): Anna
mentions Sam in a note, the mention is highlighted; Sam's bell counts it, the notifications
page opens the ticket and the bell goes back to none; escalating to a person from the list;
no axe finding, no console error."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.notifications.models import Notification
from afterdesk.tickets import services
from tests.browser import BROWSER_TEST, assert_no_axe_violations, console_errors, screenshot
from tests.browser import sign_in as browser_sign_in
from tests.factories import T0

pytestmark = BROWSER_TEST


def test_mention_bell_and_notifications_page(
    new_page: Any, live_server: Any, agent: User, supervisor: User, team: Team
) -> None:
    ticket = services.ticket_create(
        subject="Parcel never arrived", channel="email", body="Where is it?", at=T0
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    anna: Page = new_page()
    browser_sign_in(anna, live_server, agent)
    anna.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    anna.fill("#form-note textarea[name=body]", "Refund above my limit, @sam please look")
    anna.click("#form-note button[type=submit]")
    expect(anna.locator("#conversation .mention")).to_have_text("@sam")
    anna.select_option("#form-escalate select[name=to]", label="Sam")
    anna.fill("#form-escalate input[name=reason]", "chargeback threat")
    anna.click("#form-escalate button[type=submit]")
    expect(anna.locator("#history")).to_contain_text("escalated to sam")
    screenshot(anna, "notifications-1-mention")
    assert console_errors(anna) == []

    sam: Page = new_page()
    browser_sign_in(sam, live_server, supervisor)
    sam.goto(live_server.url + "/")
    expect(sam.locator("#notification-bell .bell-count")).to_have_text("2")
    sam.click("#notification-bell")
    expect(sam.locator("h1")).to_have_text("Notifications")
    expect(sam.locator(".notification-unread")).to_have_count(2)
    screenshot(sam, "notifications-2-list")
    assert_no_axe_violations(sam)
    # Mark the escalation read over htmx: the row and the bell follow.
    escalation = Notification.objects.get(kind="escalation")
    sam.click(f"#notification-{escalation.pk} button")
    expect(sam.locator(".notification-unread")).to_have_count(1)
    expect(sam.locator("#notification-bell .bell-count")).to_have_text("1")
    # Open the mention: the ticket, at the note; nothing unread any more.
    sam.click(".notification-unread a")
    expect(sam.locator("h1")).to_contain_text("Parcel never arrived")
    assert f"/tickets/{ticket.pk}/#message-" in sam.url
    expect(sam.locator("#notification-bell")).to_be_visible()
    expect(sam.locator("#notification-bell .bell-count")).to_have_count(0)
    assert console_errors(sam) == []
