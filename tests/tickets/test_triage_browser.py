"""The triage on the ticket page in a real headless Chromium (Playwright, tests/browser.py):
the decision and its reason in the history, corrected over htmx without a page load, no CSP
violation."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.browser import BROWSER_TEST, console_errors, screenshot, sign_in

pytestmark = BROWSER_TEST


def test_an_agent_reads_why_and_corrects_the_triage_in_a_real_browser(
    page: Page, live_server: Any, agent: User, team: Team
) -> None:
    ticket = services.ticket_create(
        subject="Broken",
        channel="email",
        body="The mug arrived broken. I will leave a 1-star review.",
        triage={
            "language": "en",
            "issue_type": "damaged",
            "risk": 50,
            "risk_flags": ["bad_review"],
            "priority": "high",
            "reason": "issue: matched 'arrived broken' (en) (damaged, score 3)",
        },
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    sign_in(page, live_server, agent)
    page.goto(live_server.url + "/?view=team")
    expect(page.locator("#ticket-list")).to_contain_text("Broken")

    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    history = page.locator("#history")
    expect(history).to_contain_text(
        "Triage: Damaged · English · risk 50: Bad review threat · priority High"
    )
    expect(history).to_contain_text("Why: issue: matched 'arrived broken' (en)")
    page.evaluate("window.__marker = 'same page'")
    page.select_option("#form-triage select[name=issue_type]", "wrong_item")
    page.uncheck("#form-triage input[value=bad_review]")
    page.fill("#form-triage input[name=note]", "a cup was sent, not a mug")
    page.click("#form-triage button[type=submit]")
    expect(history).to_contain_text(
        "Anna corrected the triage: Wrong item · English · risk 50 · priority High"
    )
    expect(history).to_contain_text("Why: a cup was sent, not a mug")
    expect(page.locator("#ticket-header")).to_contain_text("Wrong item")
    assert page.evaluate("window.__marker") == "same page"
    screenshot(page, "triage-corrected")
    event = TicketEvent.objects.filter(kind="triage").latest("id")
    assert (event.agent, event.fields["risk_flags"]) == (agent, [])
    assert Ticket.objects.get(pk=ticket.pk).category == "wrong_item"

    assert console_errors(page) == []
