"""The API tokens page in a real headless Chromium (Playwright, tests/browser.py): create a
token over htmx (its key shown once, working on the API), revoke it over htmx after the
confirmation (it stops working), with no CSP violation or script error."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from playwright.sync_api import Dialog, Page, expect

from afterdesk.accounts.models import ApiToken, User
from tests.browser import BROWSER_TEST, console_errors, screenshot, sign_in_with_form

pytestmark = BROWSER_TEST


def api_status(base: str, key: str) -> int:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        base + "/api/me", headers={"Authorization": f"Bearer {key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            assert json.loads(response.read())["username"] == "anna"
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_create_and_revoke_a_token_in_a_real_browser(
    page: Page, live_server: Any, agent: User
) -> None:
    sign_in_with_form(page, live_server, "anna")
    expect(page.locator(".topbar")).to_contain_text("API tokens")
    page.click(".topbar-end a[href='/accounts/tokens/']")
    expect(page.locator("h1")).to_contain_text("API tokens")
    page.evaluate("window.__marker = 'same page'")

    page.fill("#id_name", "nightly export")
    page.select_option("#id_expires_in_days", "30")
    page.click("#tokens form[action='/accounts/tokens/'] button[type=submit]")
    expect(page.locator("#tokens")).to_contain_text("Copy it now")
    key = page.locator(".token-key").input_value()
    assert key.startswith("adk_")
    assert ApiToken.objects.get(name="nightly export").expires_at is not None
    assert api_status(live_server.url, key) == 200
    screenshot(page, "tokens-1-created")

    # The revoke asks first (hx-confirm): the dialog is accepted.
    asked: list[str] = []

    def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    page.click("#tokens form.inline button[type=submit]")
    expect(page.locator("#tokens")).to_contain_text("revoked")
    assert len(asked) == 1
    expect(page.locator("#tokens")).not_to_contain_text("Copy it now")  # not shown again
    assert page.evaluate("window.__marker") == "same page"
    assert api_status(live_server.url, key) == 401
    screenshot(page, "tokens-2-revoked")

    assert console_errors(page) == []
