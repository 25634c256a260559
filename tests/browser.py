"""Browser tests: Playwright for Python driving the system Chromium (no browser download).

How to use (the fixtures are registered for every test package by tests/conftest.py)::

    from playwright.sync_api import Page, expect
    from tests.browser import BROWSER_TEST, assert_no_axe_violations, console_errors, sign_in

    pytestmark = BROWSER_TEST  # skip without Chromium + a transactional db for the live server

    def test_inbox(page: Page, live_server, agent) -> None:
        sign_in(page, live_server, agent)            # session cookie, no login form
        page.goto(live_server.url + "/?view=all")    # an agent starts on "mine, unsolved"
        expect(page.locator("#ticket-list")).to_contain_text("Parcel")
        screenshot(page, "inbox")                     # kept when AFTERDESK_SCREENSHOTS=<dir>
        assert_no_axe_violations(page)               # no serious/critical axe-core finding
        assert console_errors(page) == []            # CSP violations, script errors

- ``page``: a fresh 1400x1000 English context per test; ``phone_page``: 390x844, touch,
  phone user agent (check ``no_horizontal_scroll(phone_page)``). ``new_page(width, height)``
  (the ``new_page`` fixture) opens more, e.g. a second agent.
- ``sign_in(page, live_server, user)`` sets the session cookie of ``user`` (made with Django's
  test client, so it works with any password); ``sign_in_with_form(page, live_server,
  "anna")`` types into the login form (password of tests/factories.py).
- Wait with Playwright's ``expect(...)`` (auto-retrying), not with sleeps.
- ``BROWSER_TEST`` is ``[skipif no Chromium, django_db(transaction=True,
  serialized_rollback=True)]``: the live server runs in another thread and must see the rows
  the test writes. On SQLite the live server shares the in-memory connection.
- Browser tests skip only when /usr/bin/chromium (or ``chromium`` on PATH) is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

# Playwright's sync API runs its event loop in the main thread; the Django ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = (
    "/usr/bin/chromium"
    if os.path.exists("/usr/bin/chromium")
    else shutil.which("chromium") or shutil.which("chromium-browser")
)

BROWSER_TEST = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed"),
    # serialized_rollback: the flush after each test then leaves no re-created content types
    # behind, so a later serialized test (tests/bonuses/test_migration.py) restores cleanly.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
# The impacts that fail a test; "minor" and "moderate" findings are left to review.
AXE_FAILING = ("serious", "critical")
_AXE = Axe()
# A loaded machine (two cores, several test runs at once: page loads of 15 s were seen) is
# much slower than Playwright's defaults (5 s for expect, 30 s for a navigation).
expect.set_options(timeout=20_000)


def _serialized_contents() -> dict[str, str]:
    """The test databases' contents that serialized_rollback restores, by alias."""
    return {
        conn.alias: conn._test_serialized_contents
        for conn in connections.all()
        if hasattr(conn, "_test_serialized_contents")
    }


@pytest.fixture(scope="session")
def chromium(django_db_setup: None) -> Iterator[Browser]:
    """One headless system Chromium for the whole run (a context per test isolates them)."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    serialized = _serialized_contents()
    with sync_playwright() as playwright:
        # Playwright leaves an event loop running in the main thread: from here on Django's
        # context-local `connections` hands out new connection objects, which lack the
        # serialized contents setup_databases kept on the old ones. Without them every later
        # serialized_rollback test in the worker silently restored nothing after a flush (no
        # scorecard presets, no seeded rows), depending on whether a browser test ran first.
        for alias, contents in serialized.items():
            connections[alias]._test_serialized_contents = contents
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        try:
            yield browser
        finally:
            browser.close()


def _open(browser: Browser, *, phone: bool = False) -> tuple[BrowserContext, Page]:
    options: dict[str, Any] = {"locale": "en-US", "viewport": PHONE if phone else DESKTOP}
    if phone:
        options |= {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
    context = browser.new_context(**options)
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(60_000)
    page = context.new_page()
    _watch_console(page)
    return context, page


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Callable[..., Page]]:
    """Open as many pages (each its own context: own cookies) as a test needs."""
    contexts: list[BrowserContext] = []

    def make(*, phone: bool = False) -> Page:
        context, page = _open(chromium, phone=phone)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized page (1400x1000, English)."""
    return new_page()


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """A phone-sized page (390x844, touch)."""
    return new_page(phone=True)


def _watch_console(page: Page) -> None:
    """Keep every console error and uncaught exception of the page (a CSP violation is logged
    as a console error "Refused to load/execute/apply …")."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page._afterdesk_errors = errors  # type: ignore[attr-defined]


def console_errors(page: Page, *, allow: tuple[str, ...] = ()) -> list[str]:
    """The console errors so far, less those containing one of ``allow`` (e.g. ``"409"`` for
    a refusal the test provokes on purpose)."""
    errors: list[str] = page._afterdesk_errors  # type: ignore[attr-defined]
    return [error for error in errors if not any(text in error for text in allow)]


def sign_in(page: Page, live_server: Any, user: Any) -> None:
    """Sign ``user`` in by giving the page's context that user's session cookie."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


TEST_PASSWORD = "secret-pass-123"


def sign_in_with_form(
    page: Page, live_server: Any, username: str, password: str = TEST_PASSWORD
) -> None:
    """Sign in through the login form, as a person would; lands where the form sends."""
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form.login button[type=submit]")


def screenshot(page: Page, name: str, *, full_page: bool = False) -> None:
    """Keep a screenshot ``<name>.png`` when AFTERDESK_SCREENSHOTS=<folder> is set."""
    folder = os.environ.get("AFTERDESK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        errors: list[str] = page._afterdesk_errors  # type: ignore[attr-defined]
        before = len(errors)
        page.screenshot(path=str(Path(folder, f"{name}.png")), full_page=full_page)
        # Playwright injects a style while it takes the picture (the caret hidden), which our
        # CSP refuses and Chromium logs as a console error: the tool's, not the page's.
        errors[before:] = [error for error in errors[before:] if "inline style" not in error]


def axe_violations(page: Page, *, impacts: tuple[str, ...] = AXE_FAILING) -> list[str]:
    """axe-core's findings of the given impacts on the page as it is now, one line each."""
    errors: list[str] = page._afterdesk_errors  # type: ignore[attr-defined]
    before = len(errors)
    results = _AXE.run(page)
    # axe itself sets style attributes while it measures, which our CSP refuses (and Chromium
    # logs as a console error): those are the tool's, not the page's.
    errors[before:] = [error for error in errors[before:] if "inline style" not in error]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation.get("impact") in impacts
    ]


def assert_no_axe_violations(page: Page) -> None:
    """Fail on any serious or critical axe-core violation (WCAG 2.x A/AA rules and best
    practices, as axe runs them by default)."""
    found = axe_violations(page)
    assert found == [], f"axe on {page.url}:\n" + "\n".join(found)


def no_horizontal_scroll(page: Page) -> bool:
    """True when the page is no wider than its viewport (the phone layout)."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )
