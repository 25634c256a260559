"""Calibration sessions (afterdesk/qa/selectors.py, services.py): blind grading, consensus,
spread and each reviewer's deviation; calibration grades never count in qa_score."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from afterdesk.accounts.models import Role, Team, User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.qa import selectors, services
from afterdesk.qa.models import Calibration, Rubric
from afterdesk.tickets.models import TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.qa.conftest import conversation, ratings

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(
    supervisor: User, qa_reviewer: User, rubric: Rubric, agent: User, team: Team
) -> Calibration:
    other = UserFactory(username="vera", role=Role.QA_REVIEWER, teams=[team])
    tickets = [conversation(agent, team, subject=f"c{i}") for i in range(2)]
    return services.calibration_create(
        by=supervisor,
        name="October",
        rubric=rubric,
        tickets=tickets,
        reviewers=[qa_reviewer, other],
    )


def _grade(session: Calibration, reviewer: User, ticket_index: int, *values: int | None) -> None:
    ticket = list(session.tickets.order_by("pk"))[ticket_index]
    services.review_submit(
        by=reviewer,
        ticket=ticket,
        agent=ticket.messages.get(kind="reply").author,
        rubric=session.rubric,
        ratings=ratings(session.rubric, *values),
        calibration=session,
    )


def test_blind_until_graded_then_spread_and_deviation(
    session: Calibration, qa_reviewer: User, supervisor: User
) -> None:
    vera = User.objects.get(username="vera")
    _grade(session, vera, 0, 5, 5, 1, 3)  # 100
    mine = selectors.calibration_results(user=qa_reviewer, session=session)
    assert not mine.tickets[0].visible
    assert mine.tickets[0].grades == []
    assert mine.tickets[0].count == 1
    _grade(session, qa_reviewer, 0, 3, 3, 0, 2)  # (50 + 100 + 0 + 50) / 5 = 40
    mine = selectors.calibration_results(user=qa_reviewer, session=session)
    row = mine.tickets[0]
    assert row.visible
    assert (row.consensus, row.spread) == (70.0, 60.0)
    assert {g.reviewer.username: g.deviation for g in row.grades} == {"quinn": -30.0, "vera": 30.0}
    assert mine.deviation == {"quinn": 30.0, "vera": 30.0}
    assert not mine.tickets[1].visible
    # Calibration grades never write a qa_review event.
    assert not TicketEvent.objects.filter(kind="qa_review").exists()
    # A reviewer grades a conversation of the session once.
    with pytest.raises(Conflict):
        _grade(session, vera, 0, 5, 5, 1, 3)
    # The supervisor sees everything.
    assert selectors.calibration_results(user=supervisor, session=session).tickets[0].count == 2


def test_calibration_needs_two_reviewers_and_tickets(
    supervisor: User, qa_reviewer: User, rubric: Rubric, agent: User, team: Team
) -> None:
    ticket = conversation(agent, team)
    with pytest.raises(ValidationError, match="two reviewers"):
        services.calibration_create(
            by=supervisor, name="x", rubric=rubric, tickets=[ticket], reviewers=[qa_reviewer]
        )
    with pytest.raises(ValidationError, match="one ticket"):
        services.calibration_create(
            by=supervisor, name="x", rubric=rubric, tickets=[], reviewers=[qa_reviewer, supervisor]
        )


def test_calibration_through_the_api_and_page(
    session: Calibration,
    qa_reviewer: User,
    agent: User,
    api_as: Callable[[User | None], ApiClient],
) -> None:
    ticket = session.tickets.order_by("pk").first()
    assert ticket is not None
    api = api_as(qa_reviewer)
    response = api.post(
        "/api/qa/reviews",
        {
            "ticket": ticket.pk,
            "agent": "anna",
            "rubric": 0,
            "calibration": session.pk,
            "ratings": ratings(session.rubric, 5, 5, 1, 3),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["state"] == "calibration"
    body = api.get(f"/api/qa/calibrations/{session.pk}").json()
    assert body["tickets"][0]["grades"] == [{"reviewer": "quinn", "score": 100.0, "deviation": 0.0}]
    # The agent neither sees the session nor the calibration grade.
    assert api_as(agent).get(f"/api/qa/calibrations/{session.pk}").status_code == 404
    assert api_as(agent).get("/api/qa/reviews").json() == []
    client = Client()
    client.force_login(qa_reviewer)
    page = client.get(f"/qa/calibrations/{session.pk}/").content.decode()
    assert "Deviation from the consensus" in page
    assert "Hidden until you grade it" in page
