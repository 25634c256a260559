"""The training journey in a real browser: an agent opens My learning, takes the exam,
passes, earns the certification (shown on their profile), and its allowance appears on the
next payout statement of a rule that pays certification allowances."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import LiveServerTestCase
from django.utils import timezone
from playwright.sync_api import Page, expect

from afterdesk.accounts.models import User
from afterdesk.bonuses.services import payout_statement_create
from afterdesk.training.models import ExamAttempt
from tests.bonuses.helpers import DEFINITION, START, make_rule, rated
from tests.browser import BROWSER_TEST, assert_no_axe_violations, console_errors, sign_in
from tests.training.helpers import exam_setup

pytestmark = BROWSER_TEST


def test_an_agent_passes_an_exam_and_the_allowance_is_paid(
    page: Page, live_server: LiveServerTestCase, agent: User, admin_user: User
) -> None:
    setup = exam_setup()
    rule = make_rule(definition={**DEFINITION, "certification_allowances": True})
    rated(agent, [5, 5, 5])
    sign_in(page, live_server, agent)

    page.goto(f"{live_server.url}/training/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My learning")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Returns exam").click()
    page.get_by_role("button", name="Start the exam").click()
    expect(page.locator("fieldset.question")).to_have_count(3)
    attempt = ExamAttempt.objects.get(user=agent)
    for question in (setup.single, setup.multiple, setup.true_false):
        for choice_id in setup.correct(question):
            page.locator(f'input[name="q{question.pk}"][value="{choice_id}"]').check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Submit the exam").click()
    expect(page.locator(".attempt-passed")).to_contain_text(
        "You earned the certification Returns specialist."
    )
    attempt.refresh_from_db()
    assert attempt.passed

    # The profile (the agent's scorecard page) loads the certifications after the page.
    page.goto(f"{live_server.url}/performance/me/")
    expect(page.locator("section.certifications")).to_contain_text("Returns specialist")

    # The next statement, frozen by an admin, pays the allowance on the agent's line.
    statement = payout_statement_create(
        rule=rule, start=START, end=timezone.now() + timedelta(hours=1), by=admin_user
    )
    line: dict[str, Any] = next(
        item for item in statement.document["lines"] if item["agent_id"] == agent.pk
    )
    assert line["allowances"][0]["paid_amount"] == "40.00"
    page.goto(f"{live_server.url}/bonuses/me/")
    expect(page.get_by_text("Returns specialist: 40.00")).to_be_visible()
    page.goto(f"{live_server.url}/bonuses/statements/{statement.pk}/")
    expect(page.locator("td.allowances")).to_contain_text("Returns specialist")
    expect(page.locator("td.allowances")).to_contain_text("40.00")
    assert console_errors(page) == []
