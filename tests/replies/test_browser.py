"""The macro picker in a real headless Chromium: the panel loads on the ticket page, a macro's
preview shows the reply in the buyer's language, "Use in reply" fills the reply box, sending
applies the macro (reply, status, tag) without a page load, and the knowledge base answers a
search; no CSP violation or script error on the way."""

from __future__ import annotations

from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.replies import services
from afterdesk.replies.services import MacroIn
from afterdesk.tickets.models import Message, Ticket
from tests.replies.helpers import template, ticket_for
from tests.tickets.test_browser import CHROMEDRIVER, CHROMIUM, Browser, browser

__all__ = ["browser"]  # the fixture, used below

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_agent_applies_a_macro_in_a_real_browser(
    browser: Browser, live_server: Any, agent: User, team: Team, supervisor: User
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
    browser.get(live_server.url + "/")
    browser.type("#id_username", "anna")
    browser.type("#id_password", "secret-pass-123")
    browser.click("form.login button[type=submit]")
    browser.wait_for("#ticket-list", "¿Dónde está mi pedido?")

    browser.get(f"{live_server.url}/tickets/{ticket.pk}/")
    browser.script("window.__marker = 'same page';")
    browser.wait_for("#replies-panel", "Tracking update")
    browser.click("#macro-results button")
    preview = browser.wait_for("#macro-preview", "Hola Lucía Gómez")
    assert "Tu pedido #5001" in preview
    assert "en tránsito" in preview
    browser.screenshot("replies-1-preview")
    browser.click("#macro-preview button[type=submit]")
    browser.wait_for("#form-reply", "Sending also does")
    filled = browser.script("return document.querySelector('#form-reply textarea').value;")
    assert filled.startswith("Hola Lucía Gómez:\nTu pedido #5001")
    browser.type("#form-reply textarea", "\nPD: cualquier duda, aquí estamos.")
    browser.click("#form-reply button[type=submit]")
    browser.wait_for("#conversation", "cualquier duda")
    browser.wait_for("#macro-preview", "applied")
    browser.wait_for("#macro-results", "shared · 1")  # the use is counted
    assert browser.script("return window.__marker;") == "same page"
    assert "reply to the buyer" in browser.text("#form-reply").lower()  # the plain box again
    browser.screenshot("replies-2-sent")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == "pending"
    assert list(ticket.tags.values_list("name", flat=True)) == ["wismo"]
    reply = Message.objects.get(ticket=ticket, kind="reply").body_text
    assert reply.startswith("Hola Lucía Gómez:")
    assert reply.endswith("aquí estamos.")

    browser.type("#replies-panel input[name=q]:last-of-type", "trace")
    browser.wait_for("#article-results", "Lost parcel SOP")

    problems = [entry["message"] for entry in browser.console() if entry.get("level") == "SEVERE"]
    assert problems == [], "\n".join(problems)
