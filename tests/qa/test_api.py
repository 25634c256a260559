"""The QA API (afterdesk/qa/api.py): a reviewer's queue to a scored review, the agent's
dispute, the supervisor's amendment; refusals as 4xx JSON; pinned query counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from afterdesk.accounts.models import Role, Team, User
from afterdesk.qa.models import Assignment, Review, Rubric, SampleItem
from afterdesk.tickets.models import TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.qa.conftest import CATEGORIES, conversation, ratings

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]


def test_rubric_api_refuses_no_categories_and_zero_weights(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    for categories, message in [
        ([], "at least one category"),
        ([{"name": "A", "weight": 0, "scale": "1-5"}], "sum to 0"),
    ]:
        response = api.post("/api/qa/rubrics", {"name": "R", "categories": categories})
        assert response.status_code == 422, response.content
        assert message in response.json()["message"]
    assert not Rubric.objects.exists()
    response = api.post("/api/qa/rubrics", {"name": "R", "categories": CATEGORIES})
    assert response.status_code == 201, response.content
    body = response.json()
    assert [c["name"] for c in body["categories"]] == ["Greeting", "Accuracy", "Tone", "Templates"]
    assert body["categories"][1]["critical"] is True
    assert api.post("/api/qa/rubrics", {"name": "r", "categories": CATEGORIES}).status_code == 409


def test_queue_review_dispute_amend_through_the_api(
    api_as: ApiAs, supervisor: User, qa_reviewer: User, agent: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    manager = api_as(supervisor)
    response = manager.post(
        "/api/qa/assignments",
        {
            "name": "Weekly",
            "rubric": rubric.pk,
            "cycle": "weekly",
            "per_agent": 1,
            "reviewers": ["quinn"],
            "filters": {"team": team.pk},
        },
    )
    assert response.status_code == 201, response.content
    assignment_id = response.json()["id"]
    response = manager.post(
        f"/api/qa/assignments/{assignment_id}/sample", {"cycle_start": "2026-10-01"}
    )
    assert response.status_code == 200, response.content
    reviewer = api_as(qa_reviewer)
    queue = reviewer.get("/api/qa/queue").json()
    assert [(q["ticket"], q["agent"], q["rubric"]) for q in queue] == [
        (ticket.pk, "anna", rubric.pk)
    ]
    checks = reviewer.get(f"/api/qa/tickets/{ticket.pk}/checks").json()
    assert {c["check"]: c["passed"] for c in checks}["greeting"] is True
    reply = ticket.messages.get(kind="reply")
    response = reviewer.post(
        "/api/qa/reviews",
        {
            "ticket": ticket.pk,
            "agent": "anna",
            "rubric": rubric.pk,
            "sample": queue[0]["id"],
            "ratings": ratings(rubric, 3, 3, 0, 1),
            "comment": "Vague date",
            "pins": [{"message": reply.pk, "body": "Which Friday?"}],
        },
    )
    assert response.status_code == 201, response.content
    review = response.json()
    assert review["score"] == pytest.approx((50 + 100 + 0 + 0) / 5)
    assert review["state"] == "submitted"
    assert review["counted"] is False
    assert review["pins"] == [{"message": reply.pk, "body": "Which Friday?"}]
    assert reviewer.get("/api/qa/queue").json() == []
    # The same queue item cannot be reviewed twice.
    again = reviewer.post(
        "/api/qa/reviews",
        {
            "ticket": ticket.pk,
            "agent": "anna",
            "rubric": rubric.pk,
            "sample": queue[0]["id"],
            "ratings": ratings(rubric, 3, 3, 0, 1),
        },
    )
    assert again.status_code == 409
    assert again.json()["message"]

    anna = api_as(agent)
    assert [r["id"] for r in anna.get("/api/qa/reviews").json()] == [review["id"]]
    response = anna.post(f"/api/qa/reviews/{review['id']}/dispute", {"reason": ""})
    assert response.status_code == 422
    response = anna.post(
        f"/api/qa/reviews/{review['id']}/dispute", {"reason": "It was Friday the 9th"}
    )
    assert response.status_code == 200
    assert response.json()["state"] == "disputed"
    assert (
        reviewer.post(f"/api/qa/reviews/{review['id']}/resolve", {"decision": "uphold"}).status_code
        == 403
    )
    assert [r["id"] for r in manager.get("/api/qa/reviews", of="disputed").json()] == [review["id"]]
    response = manager.post(
        f"/api/qa/reviews/{review['id']}/resolve",
        {"decision": "amend", "note": "Fair", "ratings": ratings(rubric, 5, 5, 1, 3)},
    )
    assert response.status_code == 200, response.content
    assert response.json()["score"] == 100.0
    assert response.json()["original_score"] == review["score"]
    assert response.json()["counted"] is True
    assert list(TicketEvent.objects.filter(kind="qa_review").values_list("score", flat=True)) == [
        100.0
    ]


def test_refusals_are_json(
    api_as: ApiAs, qa_reviewer: User, agent: User, other_agent: User, team: Team, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    reviewer = api_as(qa_reviewer)
    body = {
        "ticket": ticket.pk,
        "agent": "anna",
        "rubric": rubric.pk,
        "ratings": ratings(rubric, 5, 5, 1, 3),
    }
    # Agents do not review; a reviewer cannot see another team's ticket (404, not revealed).
    assert api_as(other_agent).post("/api/qa/reviews", body).status_code == 403
    hidden = conversation(other_agent, None)
    response = reviewer.post("/api/qa/reviews", {**body, "ticket": hidden.pk, "agent": "bo"})
    assert response.status_code == 404
    assert response.json()["message"]
    response = reviewer.post("/api/qa/reviews", {**body, "ratings": ratings(rubric, 9, 5, 1, 3)})
    assert response.status_code == 422
    assert "scale" in response.json()["message"]
    response = reviewer.post("/api/qa/reviews", {**body, "agent": "nobody"})
    assert response.status_code == 422
    assert "unknown users" in response.json()["message"]
    response = reviewer.post("/api/qa/reviews", {**body, "colour": "red"})
    assert response.status_code == 422
    assert not Review.objects.exists()
    review_id = reviewer.post("/api/qa/reviews", body).json()["id"]
    # Another agent does not see the review at all; the reviewer cannot acknowledge it.
    assert api_as(other_agent).post(f"/api/qa/reviews/{review_id}/acknowledge").status_code == 404
    assert reviewer.post(f"/api/qa/reviews/{review_id}/acknowledge").status_code == 403


def test_self_review_refused_through_the_api(api_as: ApiAs, team: Team, rubric: Rubric) -> None:
    reviewer = UserFactory(username="rex", role=Role.QA_REVIEWER, teams=[team])
    ticket = conversation(reviewer, team)
    response = api_as(reviewer).post(
        "/api/qa/reviews",
        {
            "ticket": ticket.pk,
            "agent": "rex",
            "rubric": rubric.pk,
            "ratings": ratings(rubric, 5, 5, 1, 3),
        },
    )
    assert response.status_code == 403
    assert "own" in response.json()["message"]


def test_lists_run_a_fixed_number_of_queries(
    api_as: ApiAs,
    supervisor: User,
    qa_reviewer: User,
    agent: User,
    team: Team,
    rubric: Rubric,
    django_assert_num_queries: Callable[..., object],
) -> None:
    from afterdesk.qa import services

    assignment = Assignment.objects.create(name="A", rubric=rubric, per_agent=5)
    for i in range(3):
        ticket = conversation(agent, team, subject=f"t{i}")
        item = SampleItem.objects.create(
            assignment=assignment,
            cycle_start=date(2026, 9, 28),
            ticket=ticket,
            agent=agent,
            reviewer=qa_reviewer,
        )
        if i:
            services.review_submit(
                by=qa_reviewer,
                ticket=ticket,
                agent=agent,
                rubric=rubric,
                ratings=ratings(rubric, 5, 5, 1, 3),
                sample=item,
            )
    reviewer, anna = api_as(qa_reviewer), api_as(agent)
    with django_assert_num_queries(3):  # token, its use recorded, the queue
        assert len(reviewer.get("/api/qa/queue").json()) == 1
    with django_assert_num_queries(6):  # token, use, ids, reviews, ratings, pins
        assert len(anna.get("/api/qa/reviews").json()) == 2
    with django_assert_num_queries(3):  # token (its use recorded already), rubrics, categories
        assert len(anna.get("/api/qa/rubrics").json()) == 1
