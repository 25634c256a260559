"""The QA pages (afterdesk/qa/views.py): the review screen, a review's page with the agent's
dispute and the supervisor's decision, rubrics, assignments and calibration; form errors;
pinned query counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from afterdesk.accounts.models import Role, Team, User
from afterdesk.qa import services
from afterdesk.qa.models import Assignment, Review, ReviewState, Rubric, SampleItem
from afterdesk.tickets.models import TicketEvent
from tests.factories import UserFactory
from tests.qa.conftest import conversation, ratings

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(rubric: Rubric, *values: str, agent: str = "anna", **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"agent": agent, "comment": "ok", **extra}
    for category, value in zip(rubric.categories.all(), values, strict=True):
        data[f"cat_{category.pk}"] = value
    return data


def test_review_screen_shows_conversation_and_prefilled_rubric(
    qa_reviewer: User, agent: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team, reply="Your order {{ number }} ships today")
    response = client_for(qa_reviewer).get(f"/qa/tickets/{ticket.pk}/review/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hello, where is my parcel?" in html
    assert "Email basics" in html
    assert "suggested, confirm or change" in html
    form = response.context["form"]
    greeting, _, _, templates = rubric.categories.all()
    # Failed checks suggest the lowest value; nothing is submitted by itself.
    assert form.initial[f"cat_{greeting.pk}"] == "1"
    assert form.initial[f"cat_{templates.pk}"] == "1"
    assert not Review.objects.exists()


def test_review_screen_submits_with_a_pinned_comment_and_errors_as_form_errors(
    qa_reviewer: User, agent: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    reply = ticket.messages.get(kind="reply")
    client = client_for(qa_reviewer)
    url = f"/qa/tickets/{ticket.pk}/review/"
    # Accuracy may not be N/A: a form error, nothing stored.
    response = client.post(url, _form(rubric, "5", "na", "1", "3"))
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not Review.objects.exists()
    response = client.post(
        url, {**_form(rubric, "5", "4", "1", "3"), f"pin_{reply.pk}": "Nice date"}
    )
    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/qa/reviews/{review.pk}/"
    assert review.pins.get().message == reply
    assert review.score == pytest.approx((100 + 150 + 100 + 100) / 5)


def test_agent_and_qa_reviewer_access(
    agent: User, other_agent: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    assert client_for(agent).get(f"/qa/tickets/{ticket.pk}/review/").status_code == 403
    outsider = UserFactory(username="olga", role=Role.QA_REVIEWER)
    assert client_for(outsider).get(f"/qa/tickets/{ticket.pk}/review/").status_code == 404
    assert client_for(agent).get("/qa/rubrics/").status_code == 403
    assert client_for(agent).get("/qa/").status_code == 200


def test_self_review_is_a_form_error(team: Team, rubric: Rubric) -> None:
    reviewer = UserFactory(username="rex", role=Role.QA_REVIEWER, teams=[team])
    ticket = conversation(reviewer, team)
    response = client_for(reviewer).post(
        f"/qa/tickets/{ticket.pk}/review/", _form(rubric, "5", "5", "1", "3", agent="rex")
    )
    assert response.status_code == 403
    assert "your own conversation" in response.content.decode()


def test_agent_disputes_and_supervisor_amends_on_the_pages(
    qa_reviewer: User, agent: User, supervisor: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    review = services.review_submit(
        by=qa_reviewer,
        ticket=ticket,
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 3, 3, 0, 1),
    )
    anna = client_for(agent)
    page = anna.get(f"/qa/reviews/{review.pk}/").content.decode()
    assert "Dispute" in page
    assert "Acknowledge" in page
    response = anna.post(f"/qa/reviews/{review.pk}/dispute/", {"reason": ""})
    assert response.status_code == 422
    anna.post(f"/qa/reviews/{review.pk}/dispute/", {"reason": "Friday was right"})
    review.refresh_from_db()
    assert review.state == ReviewState.DISPUTED
    sam = client_for(supervisor)
    assert "Friday was right" in sam.get("/qa/").content.decode()
    data = {"decision": "amend", "note": "ok", **_form(rubric, "5", "5", "1", "3")}
    assert sam.post(f"/qa/reviews/{review.pk}/resolve/", data).status_code == 302
    review.refresh_from_db()
    assert (review.state, review.score) == (ReviewState.AMENDED, 100.0)
    assert TicketEvent.objects.get(kind="qa_review").score == 100.0
    # The agent cannot resolve.
    assert anna.post(f"/qa/reviews/{review.pk}/resolve/", data).status_code == 403


def test_rubric_form_refuses_no_categories_and_zero_weights(supervisor: User) -> None:
    client = client_for(supervisor)
    base = {"name": "R", "cat-TOTAL_FORMS": "2", "cat-INITIAL_FORMS": "0"}
    response = client.post("/qa/rubrics/", base)
    assert response.status_code == 422
    assert "at least one category" in response.content.decode()
    response = client.post(
        "/qa/rubrics/", {**base, "cat-0-name": "A", "cat-0-weight": "0", "cat-0-scale": "1-5"}
    )
    assert response.status_code == 422
    assert "sum to 0" in response.content.decode()
    response = client.post(
        "/qa/rubrics/",
        {
            **base,
            "cat-0-name": "A",
            "cat-0-weight": "2",
            "cat-0-scale": "1-5",
            "cat-0-critical": "on",
            "cat-1-name": "B",
            "cat-1-weight": "1",
            "cat-1-scale": "binary",
            "cat-1-check": "greeting",
        },
    )
    assert response.status_code == 302
    rubric = Rubric.objects.get()
    assert [(c.name, c.critical, c.auto_check) for c in rubric.categories.all()] == [
        ("A", True, ""),
        ("B", False, "greeting"),
    ]
    response = client.post(
        "/qa/rubrics/", {"form": "settings", "dispute_days": "3", "self_review": "on"}
    )
    assert response.status_code == 302
    assert (services.settings_get().dispute_days, services.settings_get().self_review) == (3, True)


def test_assignment_form(supervisor: User, qa_reviewer: User, rubric: Rubric) -> None:
    client = client_for(supervisor)
    data = {
        "name": "Weekly",
        "rubric": rubric.pk,
        "cycle": "weekly",
        "per_agent": "2",
        "reviewers": [qa_reviewer.pk],
        "csat_max": "9",
    }
    response = client.post("/qa/assignments/", data)
    assert response.status_code == 422
    assert "csat_max must be 1 to 5" in response.content.decode()
    response = client.post("/qa/assignments/", {**data, "csat_max": "2", "reopened": "on"})
    assert response.status_code == 302
    assert Assignment.objects.get().filters == {"csat_max": 2, "reopened": True}


def test_pages_run_a_fixed_number_of_queries(
    qa_reviewer: User,
    agent: User,
    supervisor: User,
    team: Team,
    rubric: Rubric,
) -> None:
    assignment = Assignment.objects.create(name="A", rubric=rubric, per_agent=5)
    tickets = [conversation(agent, team, subject=f"t{i}") for i in range(3)]
    for ticket in tickets:
        SampleItem.objects.create(
            assignment=assignment,
            cycle_start=date(2026, 9, 28),
            ticket=ticket,
            agent=agent,
            reviewer=qa_reviewer,
        )
        services.review_submit(
            by=qa_reviewer,
            ticket=ticket,
            agent=agent,
            rubric=rubric,
            ratings=ratings(rubric, 5, 5, 1, 3),
        )
    reviewer, anna, sam = client_for(qa_reviewer), client_for(agent), client_for(supervisor)
    review = Review.objects.first()
    assert review is not None
    # Session, user, then the page's own reads: none grows with the rows listed.
    for client, url, most in [
        (reviewer, "/qa/", 8),
        (reviewer, f"/qa/tickets/{tickets[0].pk}/review/", 12),
        (anna, f"/qa/reviews/{review.pk}/", 6),
        (sam, "/qa/rubrics/", 6),
        (sam, "/qa/assignments/", 6),
    ]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        sql = "\n".join(q["sql"][:150] for q in queries.captured_queries)
        assert len(queries) <= most, f"{url}: {len(queries)} queries\n{sql}"


def test_ticket_page_links_reviewers_to_the_review_screen(
    qa_reviewer: User, agent: User, team: Team
) -> None:
    ticket = conversation(agent, team)
    assert (
        f"/qa/tickets/{ticket.pk}/review/"
        in client_for(qa_reviewer).get(f"/tickets/{ticket.pk}/").content.decode()
    )
    assert (
        f"/qa/tickets/{ticket.pk}/review/"
        not in client_for(agent).get(f"/tickets/{ticket.pk}/").content.decode()
    )


def test_the_rubric_picked_on_the_screen_is_the_one_submitted(
    qa_reviewer: User, agent: User, team: Team, rubric: Rubric, supervisor: User
) -> None:
    other = services.rubric_save(
        by=supervisor,
        name="Zeta checks",
        categories=[{"name": "Only", "weight": 1, "scale": "1-5"}],
    )
    ticket = conversation(agent, team)
    client = client_for(qa_reviewer)
    url = f"/qa/tickets/{ticket.pk}/review/?rubric={other.pk}"
    page = client.get(url).content.decode()
    assert f'name="rubric" value="{other.pk}"' in page
    only = other.categories.get()
    data = {"agent": "anna", "comment": "", "rubric": str(other.pk), f"cat_{only.pk}": "4"}
    assert client.post(f"/qa/tickets/{ticket.pk}/review/", data).status_code == 302
    review = Review.objects.get()
    assert (review.rubric, review.score) == (other, 75.0)
