"""Accessibility of every main page in a real browser (Playwright, system Chromium): with a
small demo loaded, the admin opens each page; axe-core must report no serious or critical
violation, each page has exactly one <h1>, and the inbox and the ticket page fit a 390 px
phone without sideways scrolling. The language switch is applied by its button, not on change.

With AFTERDESK_SCREENSHOTS=<folder> set, ``test_screenshots`` keeps a viewport screenshot of
every main page in English (<folder>/en/) and Chinese (<folder>/zh/), and the inbox and the
ticket page at phone width; docs/screenshots/ holds the committed set (its README lists them)."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Shipment
from afterdesk.demo.services import demo_load
from afterdesk.qa.models import Review
from afterdesk.returns.models import ReturnCase
from afterdesk.tickets.models import Status, Ticket
from tests.browser import (
    BROWSER_TEST,
    axe_violations,
    no_horizontal_scroll,
    sign_in,
)

pytestmark = BROWSER_TEST


def load_demo() -> dict[str, str]:
    """A small demo (a few seconds) and the ids the page addresses need."""
    demo_load(tickets=300, days=21, base=timezone.now() - timedelta(days=1))
    ticket = Ticket.objects.filter(messages__isnull=False).order_by("-pk").first()
    assert ticket is not None
    agent = (
        User.objects.filter(username="lena.schmidt").first()
        or User.objects.exclude(username="admin").order_by("pk").first()
    )
    assert agent is not None
    ids = {"ticket": str(ticket.pk), "agent": agent.username}
    # A parcel's tracking number to search for, and a solved ticket for the QA review screen.
    shipment = (
        Shipment.objects.filter(order__tickets__isnull=False)
        .exclude(tracking_number="")
        .order_by("pk")
        .first()
    )
    assert shipment is not None
    ids["tracking"] = shipment.tracking_number
    solved = Ticket.objects.filter(status=Status.SOLVED, assignee__isnull=False).order_by("pk")
    assert solved.exists()
    ids["solved"] = str(solved.values_list("pk", flat=True)[0])
    case = ReturnCase.objects.order_by("pk").first()
    if case is not None:
        ids["case"] = str(case.pk)
    review = Review.objects.order_by("pk").first()
    if review is not None:
        ids["review"] = str(review.pk)
    return ids


# The drill-down's address is the first figure link of the scorecard before it; a segment's
# tickets, the first segment link of the segments page before it.
DRILLDOWN = "drill-down"
SEGMENT_TICKETS = "segment-tickets"


def address(page: Page, live_server: object, path: str) -> str:
    if path in (DRILLDOWN, SEGMENT_TICKETS):
        target = "tickets" if path == DRILLDOWN else "segments/tickets"
        links = page.locator(f"a[href*='/performance/{target}/']")
        assert links.count(), f"{page.url} links nothing to its tickets"
        href = links.first.get_attribute("href")
        assert href
        return href if href.startswith("http") else f"{live_server.url}{href}"  # type: ignore[attr-defined]
    return f"{live_server.url}{path}"  # type: ignore[attr-defined]


def main_pages(ids: dict[str, str]) -> list[tuple[str, str]]:
    """(name, path) of every main page; the name is the screenshot's file name."""
    pages = [
        ("inbox", "/"),
        ("search", f"/?q={ids['tracking']}"),
        ("ticket", f"/tickets/{ids['ticket']}/"),
        ("performance-scorecard", "/performance/"),
        ("performance-drilldown", DRILLDOWN),
        ("performance-agent", f"/performance/agents/{ids['agent']}/"),
        ("performance-leaderboard", "/performance/leaderboard/"),
        ("performance-segments", "/performance/segments/"),
        ("performance-segment-tickets", SEGMENT_TICKETS),
        ("performance-templates", "/performance/templates/"),
        ("performance-template-form", "/performance/templates/first_line/form/"),
        ("performance-assignments", "/performance/assignments/"),
        ("performance-settings", "/performance/settings/"),
        ("performance-published", "/performance/published/"),
        ("awards", "/recognition/"),
        ("weekly-review", "/reports/weekly/"),
        ("bonuses", "/bonuses/"),
        ("bonus-statements", "/bonuses/statements/"),
        ("alerts", "/alerts/"),
        ("alert-settings", "/alerts/settings/"),
        ("calendars", "/calendars/"),
        ("sla-policies", "/sla/policies/"),
        ("sla-report", "/sla/report/"),
        ("routing", "/routing/"),
        ("automations", "/automations/"),
        ("macros", "/replies/macros/"),
        ("reply-templates", "/replies/templates/"),
        ("knowledge-base", "/replies/articles/"),
        ("returns", "/returns/"),
        ("returns-analytics", "/returns/analytics/"),
        ("returns-settings", "/returns/settings/"),
        ("qa", "/qa/"),
        ("qa-review-screen", f"/qa/tickets/{ids['solved']}/review/"),
        ("qa-rubrics", "/qa/rubrics/"),
        ("training", "/training/"),
        ("notifications", "/notifications/"),
        ("people", "/accounts/people/"),
        ("person", f"/accounts/people/{ids['agent']}/"),
        ("positions", "/accounts/positions/"),
        ("stores", "/stores/"),
        ("mailboxes", "/channels/mailboxes/"),
        ("inbound-email", "/channels/email/"),
        ("replies-not-sent", "/channels/email/replies/"),
        ("chat-and-webhooks", "/channels/relays/"),
        ("surveys-settings", "/surveys/settings/"),
        ("api-tokens", "/accounts/tokens/"),
    ]
    if "case" in ids:
        pages.insert(
            pages.index(("returns-analytics", "/returns/analytics/")),
            ("return-case", f"/returns/{ids['case']}/"),
        )
    if "review" in ids:
        pages.append(("qa-review", f"/qa/reviews/{ids['review']}/"))
    return pages


def page_problems(page: Page) -> list[str]:
    """What is wrong with the page as it is now: axe findings and the <h1> count."""
    problems = axe_violations(page)
    h1 = page.locator("h1").count()
    if h1 != 1:
        problems.append(f"{h1} <h1> elements")
    return problems


TOO_WIDE = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const over = (e) => e.getBoundingClientRect().right > edge;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + (e.className ? "." + String(e.className).split(" ").join(".") : "");
  return [...document.querySelectorAll("body *")]
    .filter((e) => over(e) && ![...e.children].some(over))
    .slice(0, 8)
    .map((e) => name(e) + " " + Math.round(e.getBoundingClientRect().right));
}"""


def too_wide(page: Page) -> list[str]:
    """The innermost elements that reach past the viewport's right edge (to say what to fix)."""
    return list(page.evaluate(TOO_WIDE))


def visit(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, f"{url}: {response.status}"
    page.wait_for_load_state("networkidle")  # the bell and presence load after the page


def test_every_main_page_passes_axe_with_one_h1(
    new_page: Callable[..., Page], live_server: object
) -> None:
    ids = load_demo()
    page = new_page()
    found: dict[str, list[str]] = {}

    page.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
    if problems := page_problems(page):
        found["login"] = problems

    sign_in(page, live_server, User.objects.get(username="admin"))
    for name, path in main_pages(ids):
        visit(page, address(page, live_server, path))
        if problems := page_problems(page):
            found[f"{name} ({path})"] = problems
    assert found == {}, "\n".join(
        f"{name}:\n  " + "\n  ".join(problems) for name, problems in found.items()
    )


def test_inbox_and_ticket_fit_a_phone_and_sign_out_is_on_screen(
    new_page: Callable[..., Page], live_server: object
) -> None:
    ids = load_demo()
    phone = new_page(phone=True)
    sign_in(phone, live_server, User.objects.get(username="admin"))
    for path in ("/", f"/tickets/{ids['ticket']}/"):
        visit(phone, f"{live_server.url}{path}")  # type: ignore[attr-defined]
        assert no_horizontal_scroll(phone), f"{path} scrolls sideways at 390 px: {too_wide(phone)}"
        assert page_problems(phone) == [], path
        sign_out = phone.get_by_role("button", name="Sign out")
        sign_out.scroll_into_view_if_needed()
        box = sign_out.bounding_box()
        assert box is not None
        assert 0 <= box["x"] <= box["x"] + box["width"] <= 390, box


def test_the_language_switch_is_applied_by_its_button(
    new_page: Callable[..., Page], live_server: object, agent: User
) -> None:
    page = new_page()
    sign_in(page, live_server, agent)
    visit(page, f"{live_server.url}/")  # type: ignore[attr-defined]
    select = page.locator("#language-select")
    select.focus()
    page.keyboard.press("ArrowDown")  # choosing an option does not switch the language yet
    select.select_option("zh-hans")
    expect(page.locator(".mainnav")).to_contain_text("Inbox")
    assert "收件箱" not in page.locator(".mainnav").inner_text()
    with page.expect_navigation():
        page.locator(".language-switch button[type=submit]").click()
    expect(page.locator(".mainnav")).to_contain_text("收件箱")
    # Focus is visible: the first element reached with Tab draws an outline.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), outline


SCREENSHOTS = os.environ.get("AFTERDESK_SCREENSHOTS")


@pytest.mark.skipif(not SCREENSHOTS, reason="set AFTERDESK_SCREENSHOTS=<folder> to take them")
def test_screenshots(new_page: Callable[..., Page], live_server: object) -> None:
    """Viewport screenshots of every main page in both languages (docs/screenshots/)."""
    folder = Path(str(SCREENSHOTS))
    ids = load_demo()
    admin = User.objects.get(username="admin")
    for language in ("en", "zh"):
        out = folder / language
        out.mkdir(parents=True, exist_ok=True)
        desktop = new_page()
        desktop.set_viewport_size({"width": 1280, "height": 800})
        phone = new_page(phone=True)
        for page in (desktop, phone):
            page.context.add_cookies(
                [
                    {
                        "name": "django_language",
                        "value": "zh-hans" if language == "zh" else "en",
                        "url": live_server.url,  # type: ignore[attr-defined]
                    }
                ]
            )
        desktop.goto(f"{live_server.url}/accounts/login/")  # type: ignore[attr-defined]
        desktop.screenshot(path=str(out / "login.png"))
        sign_in(desktop, live_server, admin)
        sign_in(phone, live_server, admin)
        for name, path in main_pages(ids):
            visit(desktop, address(desktop, live_server, path))
            desktop.screenshot(path=str(out / f"{name}.png"))
        for name, path in (("phone-inbox", "/"), ("phone-ticket", f"/tickets/{ids['ticket']}/")):
            visit(phone, f"{live_server.url}{path}")  # type: ignore[attr-defined]
            phone.screenshot(path=str(out / f"{name}.png"))
