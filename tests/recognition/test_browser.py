"""In a real browser: the month's awards appear on the performance dashboard an agent lands on,
with the badge on their scorecard and the explained awards one click away; publishing asks
first."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from afterdesk.accounts.models import User
from afterdesk.recognition.services import awards_store
from tests.browser import _AXE, AXE_FAILING, BROWSER_TEST, console_errors, sign_in
from tests.recognition.conftest import AFTER_OCTOBER, OCTOBER

pytestmark = BROWSER_TEST


def axe_on(page: Page, selector: str) -> list[str]:
    """axe-core's serious and critical findings inside this app's own fragments (the pages
    around them belong to the performance pages, checked by their own tests)."""
    results = _AXE.run(page, context=selector)
    return [
        f"{v['id']}: {', '.join(' '.join(n['target']) for n in v['nodes'][:5])}"
        for v in results.response["violations"]
        if v.get("impact") in AXE_FAILING
    ]


def test_the_month_s_awards_appear_on_the_dashboard(
    page: Page, live_server: Any, month_of_work: dict[str, User]
) -> None:
    awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    sign_in(page, live_server, month_of_work["anna"])
    # My scorecard computes two periods of boards: on a loaded machine it takes a while.
    page.goto(live_server.url + "/performance/me/", timeout=60_000)
    announcement = page.locator(".awards-announcement")
    expect(announcement).to_contain_text("Awards of October 2026")
    expect(announcement.locator(".award-csat_champion")).to_contain_text("anna")
    expect(announcement.locator(".award-toughest_cases")).to_contain_text("bo")
    expect(page.locator(".award-badges")).to_contain_text("CSAT champion · 2026-10")
    expect(page.locator(".award-badges")).to_contain_text("Most improved · 2026-10")
    assert axe_on(page, ".awards-announcement") == []
    assert axe_on(page, ".award-badges") == []
    announcement.get_by_role("link", name="How the awards were decided").click()
    expect(page.locator("h1")).to_have_text("Awards of October 2026")
    expect(page.locator(".award-fastest_first_reply")).to_contain_text("Runner-up: anna")
    assert axe_on(page, ".awards") == []
    assert console_errors(page) == []
