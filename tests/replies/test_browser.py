"""The macro picker in a real headless Chromium: the panel loads on the ticket page, a macro's
preview shows the reply in the buyer's language, "Use in reply" fills the reply box, sending
applies the macro (reply, status, tag) without a page load, and the knowledge base answers a
search; no CSP violation or script error on the way (Playwright, tests/browser.py)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.replies import services
from afterdesk.replies.services import MacroIn
from afterdesk.tickets.models import Message, Ticket
from tests.browser import BROWSER_TEST, console_errors, screenshot, sign_in
from tests.replies.helpers import template, ticket_for

pytestmark = BROWSER_TEST


def test_an_agent_applies_a_macro_in_a_real_browser(
    page: Page, live_server: Any, agent: User, team: Team, supervisor: User
) -> None:
    ticket = ticket_for(team, language="es")
    services.macro_save(
        by=supervisor,
        data=MacroIn(
            name="Tracking update",
            template=template(supervisor),
            set_status="pending",
            add_tags=["wismo"],
            shared=True,
        ),
    )
    services.article_save(
        by=supervisor, title="Lost parcel SOP", body="Open a carrier trace.", issue_types=["other"]
    )
    sign_in(page, live_server, agent)
    page.goto(live_server.url + "/?view=team")
    expect(page.locator("#ticket-list")).to_contain_text("¿Dónde está mi pedido?")

    page.goto(f"{live_server.url}/tickets/{ticket.pk}/")
    page.evaluate("window.__marker = 'same page'")
    expect(page.locator("#replies-panel")).to_contain_text("Tracking update")
    page.locator("#macro-results button").first.click()
    # the panel's #macro-preview holds the swapped-in #macro-preview card (a duplicate id)
    preview = page.locator("#macro-preview").first
    expect(preview).to_contain_text("Hola Lucía Gómez")
    expect(preview).to_contain_text("Tu pedido #5001")
    expect(preview).to_contain_text("en tránsito")
    screenshot(page, "replies-1-preview")
    page.locator("#macro-preview button[type=submit]").first.click()
    expect(page.locator("#form-reply")).to_contain_text("Sending also does")
    filled = page.locator("#form-reply textarea").input_value()
    assert filled.startswith("Hola Lucía Gómez:\nTu pedido #5001")
    # Typed at the end of what the macro filled in.
    page.locator("#form-reply textarea").press("Control+End")
    page.locator("#form-reply textarea").press_sequentially("\nPD: cualquier duda, aquí estamos.")
    page.click("#form-reply button[type=submit]")
    expect(page.locator("#conversation")).to_contain_text("cualquier duda")
    expect(preview).to_contain_text("applied")
    expect(page.locator("#macro-results")).to_contain_text("shared · 1")  # the use is counted
    assert page.evaluate("window.__marker") == "same page"
    expect(page.locator("#form-reply")).to_contain_text(  # the plain box again
        re.compile("reply to the buyer", re.IGNORECASE)
    )
    screenshot(page, "replies-2-sent")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "pending"
    assert list(ticket.tags.values_list("name", flat=True)) == ["wismo"]
    reply = Message.objects.get(ticket=ticket, kind="reply").body_text
    assert reply.startswith("Hola Lucía Gómez:")
    assert reply.endswith("aquí estamos.")

    page.locator("#replies-panel input[name=q]").last.fill("trace")
    expect(page.locator("#article-results")).to_contain_text("Lost parcel SOP")

    assert console_errors(page) == []
