"""One end-to-end run in a real headless Chromium: sign in, filter the inbox, reply over htmx,
see a refused reply's message, with no CSP violation in the browser console.

Drives chromedriver through the W3C WebDriver HTTP protocol with the standard library (no
Selenium dependency). Skipped where chromium/chromedriver are not installed
(Debian: `apt-get install chromium chromium-driver`). Set AFTERDESK_SCREENSHOTS=<folder> to
keep screenshots of each step.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Status
from tests.factories import (
    CustomerFactory,
    CustomerIdentityFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    TicketFactory,
    TrackingEventFactory,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="chromium/chromedriver missing"),
    # serialized_rollback: the flush after each test then leaves no re-created content types
    # behind, so a later serialized test (tests/bonuses/test_migration.py) restores cleanly.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Browser:
    """The few WebDriver commands the test needs."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        options = {
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1400,1000",
                "--lang=en",
            ],
        }
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        session = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = f"/session/{session['sessionId']}"

    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback chromedriver only
            self.endpoint + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return json.loads(response.read())["value"]

    def get(self, url: str) -> None:
        self.call("POST", f"{self.session}/url", {"url": url})

    def find(self, css: str) -> str:
        found = self.call(
            "POST", f"{self.session}/element", {"using": "css selector", "value": css}
        )
        if ELEMENT not in found:
            raise LookupError(f"{css!r} not found on {self.url()}: {found}")
        return str(found[ELEMENT])

    def type(self, css: str, text: str) -> None:
        self.call("POST", f"{self.session}/element/{self.find(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self.call("POST", f"{self.session}/element/{self.find(css)}/click", {})

    def text(self, css: str) -> str:
        return str(self.call("GET", f"{self.session}/element/{self.find(css)}/text"))

    def script(self, source: str) -> Any:
        return self.call("POST", f"{self.session}/execute/sync", {"script": source, "args": []})

    def url(self) -> str:
        return str(self.call("GET", f"{self.session}/url"))

    def wait_for(self, css: str, contains: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            try:
                text = self.text(css)
            except urllib.error.HTTPError:
                text = ""
            if contains in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{css!r} never contained {contains!r}; last text: {text!r}")

    def console(self) -> list[dict[str, Any]]:
        return list(self.call("POST", f"{self.session}/se/log", {"type": "browser"}))

    def screenshot(self, name: str) -> None:
        folder = os.environ.get("AFTERDESK_SCREENSHOTS")
        if folder:
            png = base64.b64decode(self.call("GET", f"{self.session}/screenshot"))
            Path(folder, f"{name}.png").write_bytes(png)

    def quit(self) -> None:
        self.call("DELETE", self.session)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def browser() -> Iterator[Browser]:
    port = _free_port()
    driver = subprocess.Popen(
        [str(CHROMEDRIVER), f"--port={port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/status", timeout=1)  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        session = Browser(endpoint)
        try:
            yield session
        finally:
            session.quit()
    finally:
        driver.terminate()
        driver.wait(timeout=10)


def test_sign_in_filter_reply_and_refusal_in_a_real_browser(
    browser: Browser, live_server: Any, agent: User, team: Team
) -> None:
    customer = CustomerFactory(name="Mia Buyer")
    CustomerIdentityFactory(customer=customer, value="mia@example.net")
    order = OrderFactory(customer=customer, store=customer.store, number="#5001")
    OrderLineFactory(order=order)
    TrackingEventFactory(shipment=ShipmentFactory(order=order))
    ticket = services.ticket_create(
        subject="Parcel never arrived",
        channel="email",
        body="Hello, where is my parcel?",
        customer=customer,
        orders=[order],
        tags=["vip"],
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    TicketFactory(subject="Chat about sizes", team=team, channel="chat")
    closed = TicketFactory(subject="Old closed case", team=team, status=Status.CLOSED)

    browser.get(live_server.url + "/")
    assert "/accounts/login/" in browser.url()
    browser.type("#id_username", "anna")
    browser.type("#id_password", "secret-pass-123")
    browser.screenshot("1-login")
    browser.click("form.login button[type=submit]")
    browser.wait_for("#ticket-list", "Parcel never arrived")
    browser.screenshot("2-inbox")

    # Filtering swaps the list only and keeps the URL in sync.
    browser.script(
        "const s = document.querySelector('#id_channel'); s.value = 'chat';"
        "s.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    deadline = time.monotonic() + 10
    while "channel=chat" not in browser.url() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "channel=chat" in browser.url()
    list_text = browser.wait_for("#ticket-list", "1 ticket")
    assert "Parcel never arrived" not in list_text
    browser.screenshot("3-inbox-filtered")

    # Reply over htmx: the conversation and history update without a page load.
    browser.get(f"{live_server.url}/tickets/{ticket.pk}/")
    browser.script("window.__marker = 'same page';")
    browser.type("#form-reply textarea", "We are looking into it.")
    browser.click("#form-reply button[type=submit]")
    browser.wait_for("#conversation", "We are looking into it.")
    history = browser.wait_for("#history", "Anna replied")
    assert "Status: New → Open · Anna" in history
    assert browser.script("return window.__marker;") == "same page"
    assert browser.text("#ticket-header").count("Open") >= 1
    browser.screenshot("4-ticket-after-reply")

    # A refused reply (closed ticket) shows the reason in the form and writes nothing.
    browser.get(f"{live_server.url}/tickets/{closed.pk}/")
    browser.type("#form-reply textarea", "Too late?")
    browser.click("#form-reply button[type=submit]")
    browser.wait_for("#form-reply", "a closed ticket takes no more replies")
    assert not Message.objects.filter(ticket=closed).exists()
    browser.screenshot("5-closed-ticket-refusal")

    # The language switch (app.js submits it on change) reloads the page in Chinese.
    browser.script(
        "const s = document.querySelector('#language-select'); s.value = 'zh-hans';"
        "s.dispatchEvent(new Event('change', {bubbles: true}));"
    )
    browser.wait_for(".mainnav", "收件箱")
    assert f"/tickets/{closed.pk}/" in browser.url()
    browser.screenshot("6-ticket-in-chinese")

    # No CSP violation or script error on the way (409 responses are logged as such).
    problems = [
        entry["message"]
        for entry in browser.console()
        if entry.get("level") == "SEVERE" and " 409 " not in entry["message"]
    ]
    assert problems == [], "\n".join(problems)
