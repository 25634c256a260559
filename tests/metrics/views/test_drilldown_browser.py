"""The scorecard's drill-down in a real headless Chromium (Playwright, tests/browser.py): a
supervisor opens the team scorecard of a week, follows an agent to their scorecard, drills into
a KPI and reads what each ticket brings to the figure, opens a ticket from there and comes
back; on the segments page a segment links to its solved tickets. Every page passes axe; no
console error on the way. The data is the `scored` fixture (tests/metrics/views/conftest.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import User
from afterdesk.tickets.models import Ticket
from tests.browser import (
    BROWSER_TEST,
    assert_no_axe_violations,
    console_errors,
    screenshot,
    sign_in,
)

pytestmark = BROWSER_TEST

WEEK = "period=week&date=2026-10-01"


def test_a_supervisor_drills_from_the_scorecard_to_the_tickets(
    page: Page, live_server: Any, supervisor: User, scored: dict[str, list[Ticket]]
) -> None:
    anna_subjects = sorted(ticket.subject for ticket in scored["anna"])
    sign_in(page, live_server, supervisor)
    page.goto(f"{live_server.url}/performance/?{WEEK}")
    expect(page.locator("h1")).to_have_count(1)

    # The team scorecard → Anna's scorecard (the same week carried along).
    page.locator("#perf-results a", has_text=re.compile(r"^anna$")).first.click()
    expect(page.locator("h1")).to_have_text("Scorecard of anna")
    expect(page).to_have_url(
        re.compile(r"/performance/agents/anna/\?.*from=2026-09-28&to=2026-10-05")
    )
    assert_no_axe_violations(page)

    # Drill into the CSAT share: the five rated tickets, each saying what it brings.
    csat = page.locator(".perf-explain tr", has=page.locator(".perf-id", has_text="csat_rate"))
    expect(csat).to_have_count(1)
    csat.locator("td.num a").first.click()
    expect(page).to_have_url(re.compile(r"/performance/tickets/\?.*kpi=csat_rate"))
    expect(page.locator("h1")).to_contain_text("anna · ")
    rows = page.locator("table.perf-drilldown tbody tr")
    expect(rows).to_have_count(5)
    expect(page.locator(".list-meta")).to_have_text("5 tickets")
    contributions = page.locator("table.perf-drilldown td.perf-contribution")
    expect(contributions).to_have_text(["✓ counts 5 ★"] * 5)
    assert sorted(rows.locator("td.subject").all_inner_texts()) == anna_subjects
    screenshot(page, "drilldown-1-csat")
    assert_no_axe_violations(page)

    # A row opens its ticket; back, and "Back to the scorecard" returns to Anna's week.
    first = rows.first.locator("td.subject a")
    subject = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    expect(page.locator("h1")).to_contain_text(subject)
    page.go_back()
    expect(rows).to_have_count(5)
    page.get_by_role("link", name="← Back to the scorecard").click()
    expect(page.locator("h1")).to_have_text("Scorecard of anna")
    expect(page).to_have_url(re.compile(r"from=2026-09-28&to=2026-10-05"))

    # Segments by language: German (Anna's five) links to its solved tickets.
    page.goto(f"{live_server.url}/performance/segments/?{WEEK}&dimension=language")
    german = page.locator(".perf-segments tbody tr", has_text="German")
    expect(german).to_have_count(1)
    german.get_by_role("link", name="German").click()
    expect(page).to_have_url(re.compile(r"/performance/segments/tickets/\?.*segment=de"))
    expect(page.locator("h1")).to_have_text("Language: German")
    expect(page.locator(".list-meta")).to_have_text("5 solved tickets")
    segment_rows = page.locator("table.perf-segment-tickets tbody tr")
    expect(segment_rows).to_have_count(5)
    assert sorted(segment_rows.locator("td.subject").all_inner_texts()) == anna_subjects
    expect(segment_rows.first.locator("td").nth(2)).to_have_text("anna")  # the resolver
    screenshot(page, "drilldown-2-segment")
    assert_no_axe_violations(page)
    segment_rows.first.locator("td.subject a").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+/$"))
    page.go_back()
    page.get_by_role("link", name="← Back to the segments").click()
    expect(page.locator(".perf-segments")).to_contain_text("Japanese")  # Bo's five

    assert console_errors(page) == []


@pytest.mark.usefixtures("scored")
def test_an_agent_drills_into_her_own_scorecard(page: Page, live_server: Any, agent: User) -> None:
    """An agent's own scorecard (My scorecard) drills down the same way: the weighted volume
    lists her five tickets, and their weights add up to the figure."""
    sign_in(page, live_server, agent)
    page.goto(f"{live_server.url}/performance/me/?{WEEK}")
    expect(page.locator("h1")).to_have_text("My scorecard")
    volume = page.locator(
        ".perf-explain tr", has=page.locator(".perf-id", has_text="weighted_volume")
    )
    figure = float(volume.locator("td.num a").first.inner_text())
    volume.locator("td.num a").nth(1).click()  # n: the tickets counted
    expect(page).to_have_url(re.compile(r"kpi=weighted_volume"))
    rows = page.locator("table.perf-drilldown tbody tr")
    expect(rows).to_have_count(5)
    weights = page.locator("table.perf-drilldown td.perf-contribution").all_inner_texts()
    assert len(weights) == 5
    assert sum(float(weight.split()[0]) for weight in weights) == pytest.approx(figure, abs=0.01)
    assert_no_axe_violations(page)
    assert console_errors(page) == []
