"""The API explorer in a real headless Chromium (Playwright, tests/browser.py): Swagger UI
renders every operation from our own static files under the site's CSP (no violation in the
console), and "Try it out" calls the API with the browser session."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import User
from tests.browser import BROWSER_TEST, console_errors, screenshot

pytestmark = BROWSER_TEST


def _operation_count() -> int:
    paths = Client().get("/api/openapi.json").json()["paths"]
    return sum(1 for item in paths.values() for method in item if method != "parameters")


def test_swagger_ui_renders_every_operation_under_the_csp(
    page: Page, live_server: Any, agent: User
) -> None:
    page.goto(live_server.url + "/api/docs")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "anna")
    page.fill("#id_password", "secret-pass-123")
    page.click("form.login button[type=submit]")
    expect(page).to_have_url(re.compile(r"/api/docs$"))

    expected = _operation_count()
    expect(page.locator(".opblock")).to_have_count(expected, timeout=20_000)
    expect(page.locator(".info .title")).to_contain_text("Afterdesk API")
    screenshot(page, "api-docs")

    # "Try it out" on GET /api/me answers with the signed-in user (same-origin fetch).
    operation = "#operations-accounts-afterdesk_accounts_api_me"
    page.click(f"{operation} .opblock-summary-control")
    page.click(f"{operation} .try-out__btn")
    page.click(f"{operation} .execute")
    responses = page.locator(f"{operation} .live-responses-table")
    expect(responses).to_contain_text("anna")
    expect(responses).to_contain_text("200")

    # A CSP violation is logged as a console error ("Refused to load/execute/apply …").
    assert console_errors(page) == []
