"""The API explorer in a real headless Chromium: Swagger UI renders every operation from our
own static files under the site's CSP (no violation in the console), and "Try it out" calls
the API with the browser session.

Uses the WebDriver helpers of tests/tickets/test_browser.py; skipped where chromium or
chromedriver is missing.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from tests.tickets.test_browser import CHROMEDRIVER, CHROMIUM, Browser
from tests.tickets.test_browser import browser as browser  # the fixture

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _operation_count() -> int:
    paths = Client().get("/api/openapi.json").json()["paths"]
    return sum(1 for item in paths.values() for method in item if method != "parameters")


def _wait_until(browser: Browser, script: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.script(script)
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"never true: {script}")


def test_swagger_ui_renders_every_operation_under_the_csp(
    browser: Browser, live_server: Any, agent: User
) -> None:
    browser.get(live_server.url + "/api/docs")
    assert "/accounts/login/" in browser.url()
    browser.type("#id_username", "anna")
    browser.type("#id_password", "secret-pass-123")
    browser.click("form.login button[type=submit]")
    deadline = time.monotonic() + 10
    while not browser.url().endswith("/api/docs") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert browser.url().endswith("/api/docs")

    expected = _operation_count()
    rendered = _wait_until(
        browser,
        f"const n = document.querySelectorAll('.opblock').length; return n >= {expected} && n;",
    )
    assert rendered == expected
    assert "Afterdesk API" in browser.text(".info .title")
    browser.screenshot("api-docs")

    # "Try it out" on GET /api/me answers with the signed-in user (same-origin fetch).
    browser.click("#operations-accounts-afterdesk_accounts_api_me .opblock-summary-control")
    browser.click("#operations-accounts-afterdesk_accounts_api_me .try-out__btn")
    browser.click("#operations-accounts-afterdesk_accounts_api_me .execute")
    body = browser.wait_for(
        "#operations-accounts-afterdesk_accounts_api_me .live-responses-table", "anna"
    )
    assert "200" in body

    # A CSP violation is logged as SEVERE ("Refused to load/execute/apply …").
    console = browser.console()  # reading the log empties it: read it once
    problems = [e["message"] for e in console if e.get("level") == "SEVERE"]
    assert problems == [], "\n".join(problems)
    assert not any("Content Security Policy" in e["message"] for e in console), console
