"""The rule form in a real headless Chromium: rows added, changed and removed in place (htmx,
under the CSP), a refused row's message beside it, the dry run of the rule as typed, then
saved; no CSP violation or script error on the way (Playwright, tests/browser.py)."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from afterdesk.accounts.models import User
from afterdesk.automations.models import Rule
from afterdesk.tickets import services
from tests.browser import BROWSER_TEST, assert_no_axe_violations, console_errors, sign_in

pytestmark = BROWSER_TEST


def settled(row: Locator) -> Locator:
    """The row once htmx has settled it: htmx marks swapped-in content `htmx-added` and only
    wires its `hx-*` attributes when it takes the mark off (20 ms later), so a select changed
    before that sends no request and the row never changes."""
    expect(row).not_to_have_class(re.compile(r"\bhtmx-added\b"))
    return row


def test_an_admin_builds_a_rule_from_rows(page: Page, live_server: Any, admin_user: User) -> None:
    Rule.objects.exclude(default_key="").delete()
    services.ticket_create(subject="Pedido perdido", channel="email", body="?", language="es")
    services.ticket_create(subject="Lost parcel", channel="email", body="?", language="en")
    sign_in(page, live_server, admin_user)
    page.goto(live_server.url + "/automations/rules/new/")
    page.locator("#id_name").fill("Spanish buyers")
    page.evaluate("window.__marker = 'same page'")

    page.get_by_role("button", name="Add a condition").click()
    expect(page.locator(".condition-row")).to_have_count(1)
    condition = settled(page.locator(".condition-row").first)
    condition.locator("select[name$='-field']").select_option("order_value")
    expect(condition.locator("select[name$='-op']")).to_contain_text("at most")
    condition = settled(page.locator(".condition-row").first)
    condition.locator("select[name$='-field']").select_option("language")
    expect(page.locator(".condition-row").first.locator("select[name$='-op']")).to_contain_text(
        "is one of"
    )
    page.locator(".condition-row input[name$='-value']").fill("es")

    page.get_by_role("button", name="Add an action").click()
    expect(page.locator(".action-row")).to_have_count(2)
    page.locator(".action-row").nth(0).get_by_role("button", name="Remove").click()
    expect(page.locator(".action-row")).to_have_count(1)
    action = settled(page.locator(".action-row").first)
    action.locator("select[name$='-type']").select_option("note")
    expect(page.locator(".action-row textarea")).to_be_visible()

    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("#dry-run")).to_contain_text("fix them first")
    page.locator(".action-row textarea").fill("A Spanish speaker takes it.")
    page.get_by_role("button", name="Dry run").click()
    expect(page.locator("#dry-run")).to_contain_text("1 ticket would be touched now")
    expect(page.locator("#dry-run")).to_contain_text("Pedido perdido")
    assert page.evaluate("window.__marker") == "same page"  # all of it in place
    assert not Rule.objects.exists()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text("Automations")
    rule = Rule.objects.get()
    assert rule.conditions == {"languages": ["es"]}
    assert rule.actions == [{"type": "note", "body": "A Spanish speaker takes it."}]
    assert console_errors(page) == []
