"""The triage on the ticket page in a real headless Chromium: the decision and its reason in
the history, corrected over htmx without a page load, no CSP violation."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.tickets.test_browser import CHROMEDRIVER, CHROMIUM, Browser, browser

__all__ = ["browser"]  # the fixture, used below

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_reads_why_and_corrects_the_triage_in_a_real_browser(
    browser: Browser, live_server: Any, agent: User, team: Team
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
    browser.get(live_server.url + "/")
    browser.type("#id_username", "anna")
    browser.type("#id_password", "secret-pass-123")
    browser.click("form.login button[type=submit]")
    browser.wait_for("#ticket-list", "Broken")

    browser.get(f"{live_server.url}/tickets/{ticket.pk}/")
    history = browser.text("#history")
    assert "Triage: Damaged · English · risk 50: Bad review threat · priority High" in history
    assert "Why: issue: matched 'arrived broken' (en)" in history
    browser.script("window.__marker = 'same page';")
    browser.script(
        "document.querySelector('#form-triage select[name=issue_type]').value = 'wrong_item';"
        "document.querySelector('#form-triage input[value=bad_review]').checked = false;"
    )
    browser.type("#form-triage input[name=note]", "a cup was sent, not a mug")
    browser.click("#form-triage button[type=submit]")
    history = browser.wait_for("#history", "Anna corrected the triage")
    assert "Anna corrected the triage: Wrong item · English · risk 50 · priority High" in history
    assert "Why: a cup was sent, not a mug" in history
    assert "Wrong item" in browser.text("#ticket-header")
    assert browser.script("return window.__marker;") == "same page"
    browser.screenshot("triage-corrected")
    event = TicketEvent.objects.filter(kind="triage").latest("id")
    assert (event.agent, event.fields["risk_flags"]) == (agent, [])
    assert Ticket.objects.get(pk=ticket.pk).category == "wrong_item"

    problems = [e["message"] for e in browser.console() if e.get("level") == "SEVERE"]
    assert problems == [], "\n".join(problems)
