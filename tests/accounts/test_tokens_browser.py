"""The API tokens page in a real headless Chromium: create a token over htmx (its key shown
once, working on the API), revoke it over htmx after the confirmation (it stops working), with
no CSP violation or script error."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from afterdesk.accounts.models import ApiToken, User
from tests.tickets.test_browser import CHROMEDRIVER, CHROMIUM, Browser

# the chromedriver fixture of the inbox test, shared
from tests.tickets.test_browser import browser as browser

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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
    browser: Browser, live_server: Any, agent: User
) -> None:
    browser.get(live_server.url + "/accounts/login/")
    browser.type("#id_username", "anna")
    browser.type("#id_password", "secret-pass-123")
    browser.click("form.login button[type=submit]")
    browser.wait_for(".topbar", "API tokens")
    browser.click(".topbar-end a[href='/accounts/tokens/']")
    browser.wait_for("h1", "API tokens")
    browser.script("window.__marker = 'same page';")

    browser.type("#id_name", "nightly export")
    browser.script("const s = document.querySelector('#id_expires_in_days'); s.value = '30';")
    browser.click("#tokens form[action='/accounts/tokens/'] button[type=submit]")
    browser.wait_for("#tokens", "Copy it now")
    key = browser.script("return document.querySelector('.token-key').value;")
    assert key.startswith("adk_")
    assert ApiToken.objects.get(name="nightly export").expires_at is not None
    assert api_status(live_server.url, key) == 200
    browser.screenshot("tokens-1-created")

    browser.script("window.confirm = () => true;")  # the revoke asks first (hx-confirm)
    browser.click("#tokens form.inline button[type=submit]")
    browser.wait_for("#tokens", "revoked")
    assert "Copy it now" not in browser.text("#tokens")  # the key is not shown again
    assert browser.script("return window.__marker;") == "same page"
    assert api_status(live_server.url, key) == 401
    browser.screenshot("tokens-2-revoked")

    problems = [entry["message"] for entry in browser.console() if entry.get("level") == "SEVERE"]
    assert problems == [], "\n".join(problems)
