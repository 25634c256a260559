"""The QA journey in a real headless Chromium (tests/browser.py): the reviewer works the
sampled queue and scores a conversation beside it, the agent disputes, the supervisor amends,
and the agent's qa_score (the metrics API) moves to the amended score."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import Team, User
from afterdesk.qa import sampling, services
from afterdesk.qa.models import Review, Rubric
from tests.api.conftest import ApiClient
from tests.browser import (
    BROWSER_TEST,
    assert_no_axe_violations,
    console_errors,
    screenshot,
    sign_in,
)
from tests.qa.conftest import conversation
from tests.qa.test_reviews import qa_score

pytestmark = BROWSER_TEST


def _open(new_page: Callable[..., Page]) -> Page:
    page = new_page()
    # Generous on a busy machine: each step of the journey is one server round trip.
    page.set_default_timeout(30_000)
    page.set_default_navigation_timeout(30_000)
    return page


def _choose(page: Page, rubric: Rubric, name: str, value: str) -> None:
    category = rubric.categories.get(name=name)
    page.locator(f"input[name='cat_{category.pk}'][value='{value}']").check()


def test_queue_review_dispute_amend_moves_qa_score(
    new_page: Callable[..., Page],
    live_server: Any,
    supervisor: User,
    qa_reviewer: User,
    agent: User,
    team: Team,
    rubric: Rubric,
    api_as: Callable[[User | None], ApiClient],
) -> None:
    ticket = conversation(agent, team, reply="Your parcel {{ tracking }} arrives Friday.")
    assignment = services.assignment_save(
        by=supervisor,
        name="Weekly EU",
        rubric=rubric,
        cycle="weekly",
        per_agent=1,
        reviewers=[qa_reviewer],
        filters={},
    )
    assert len(sampling.sample_cycle(assignment, date(2026, 10, 1))) == 1

    # The reviewer: queue → the conversation beside the rubric, pre-filled by the checks.
    reviewer = _open(new_page)
    sign_in(reviewer, live_server, qa_reviewer)
    reviewer.goto(live_server.url + "/qa/")
    queue = reviewer.locator("#qa-queue")
    expect(queue).to_contain_text("Where is my parcel?")
    queue.get_by_role("link").first.click()
    expect(reviewer.locator("h1")).to_contain_text(f"#{ticket.pk}")
    expect(reviewer.locator(".conversation")).to_contain_text("Hello, where is my parcel?")
    expect(reviewer.locator("#qa-findings")).to_contain_text("{{ or {% left")
    templates = rubric.categories.get(name="Templates")
    expect(reviewer.locator(f"input[name='cat_{templates.pk}'][value='1']")).to_be_checked()
    screenshot(reviewer, "qa-1-review-screen", full_page=True)
    assert_no_axe_violations(reviewer)
    _choose(reviewer, rubric, "Accuracy", "3")
    _choose(reviewer, rubric, "Tone", "1")
    reply = ticket.messages.get(kind="reply")
    reviewer.locator(f"#message-{reply.pk} summary").click()
    reviewer.locator(f"textarea[name='pin_{reply.pk}']").fill("The tracking link is missing")
    reviewer.get_by_role("button", name="Submit the review").click()
    expect(reviewer.locator("#qa-state")).to_have_text("Awaiting the agent")
    review = Review.objects.get()
    # Greeting 1/5 → 0, Accuracy 3/5 → 50 ×2, Tone yes → 100, Templates 1/3 → 0.
    assert review.score == 40.0
    assert review.pins.get().body == "The tracking link is missing"
    assert console_errors(reviewer) == []
    reviewer.close()

    # The agent disputes with a reason.
    anna = _open(new_page)
    sign_in(anna, live_server, agent)
    anna.goto(live_server.url + "/qa/")
    anna.locator("#qa-received").get_by_role("link").first.click()
    expect(anna.locator("body")).to_contain_text("The tracking link is missing")
    anna.get_by_label("Why do you dispute it?").fill("The link was in the previous email")
    anna.get_by_role("button", name="Dispute", exact=True).click()
    expect(anna.locator("#qa-state")).to_have_text("Disputed")
    assert console_errors(anna) == []
    anna.close()
    api = api_as(supervisor)
    # Reviews made in the browser are dated now.
    today = timezone.localdate().isoformat()
    assert qa_score(api, "anna", today) is None  # not final: it does not count yet

    # The supervisor amends: the new score counts in qa_score.
    sam = _open(new_page)
    sign_in(sam, live_server, supervisor)
    sam.goto(live_server.url + "/qa/")
    expect(sam.locator("#qa-disputes")).to_contain_text("The link was in the previous email")
    sam.locator("#qa-disputes").get_by_role("link").first.click()
    sam.locator("#resolve-form summary").click()
    accuracy = rubric.categories.get(name="Accuracy")
    sam.locator(f"#resolve-form input[name='cat_{accuracy.pk}'][value='5']").check()
    sam.get_by_label("Note to the agent").fill("Fair: the link was sent")
    sam.get_by_role("button", name="Amend the review").click()
    expect(sam.locator("#qa-state")).to_have_text("Dispute: amended")
    expect(sam.locator("#qa-score")).to_contain_text("60.0")
    screenshot(sam, "qa-2-amended")
    assert qa_score(api, "anna", today) == 60.0
    assert_no_axe_violations(sam)
    for path in ("/qa/", "/qa/rubrics/", "/qa/assignments/"):
        sam.goto(live_server.url + path)
        assert sam.locator("h1").count() == 1
        assert_no_axe_violations(sam)
    assert console_errors(sam) == []
