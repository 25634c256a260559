"""Reviews, disputes and their `qa_review` events (afterdesk/qa/services.py): a review counts
in the agent's `qa_score` once, with its final score."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.accounts.models import Role, Team, User
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError
from afterdesk.qa import services
from afterdesk.qa.models import Review, ReviewState, Rubric
from afterdesk.tickets.models import TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import T0, UserFactory
from tests.qa.conftest import conversation, ratings

pytestmark = pytest.mark.django_db


def qa_score(api: ApiClient, username: str, day: str = "2026-10-15") -> float | None:
    """The agent's qa_score as the metrics API computes it for the month of `day`."""
    response = api.get("/api/kpis", **{"period": "month", "date": day})
    assert response.status_code == 200, response.content
    for row in response.json()["agents"]:
        if row["agent"] == username:
            return row["kpis"]["qa_score"]["value"]
    return None


def test_acknowledged_review_writes_one_qa_review_event_and_moves_qa_score(
    agent: User,
    team: Team,
    qa_reviewer: User,
    rubric: Rubric,
    supervisor: User,
    api_as: Callable[[User | None], ApiClient],
) -> None:
    ticket = conversation(agent, team)
    review = services.review_submit(
        by=qa_reviewer,
        ticket=ticket,
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 4, 5, 1, 2),
        now=T0 + timedelta(days=1),
    )
    assert review.state == ReviewState.SUBMITTED
    # Not final yet: the agent may still dispute it, so it does not count.
    assert not TicketEvent.objects.filter(kind="qa_review").exists()
    api = api_as(supervisor)
    assert qa_score(api, "anna") is None
    services.review_acknowledge(by=agent, review=review)
    event = TicketEvent.objects.get(kind="qa_review")
    assert event.agent == agent
    assert event.score == pytest.approx(85.0)
    assert event.at == T0 + timedelta(days=1)
    assert event.fields == {
        "agent": "anna",
        "score": 85.0,
        "reviewer": "quinn",
        "rubric": "Email basics",
    }
    assert qa_score(api, "anna") == pytest.approx(85.0)
    with pytest.raises(Conflict):
        services.review_acknowledge(by=agent, review=review)
    assert TicketEvent.objects.filter(kind="qa_review").count() == 1


def test_dispute_amended_counts_the_new_score_only(
    agent: User,
    team: Team,
    qa_reviewer: User,
    rubric: Rubric,
    supervisor: User,
    api_as: Callable[[User | None], ApiClient],
) -> None:
    ticket = conversation(agent, team)
    review = services.review_submit(
        by=qa_reviewer,
        ticket=ticket,
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 1, 2, 0, 1),
        now=T0 + timedelta(days=1),
    )
    assert (review.score, review.critical_failed) == (0.0, True)
    with pytest.raises(PermissionDenied):
        services.review_dispute(by=qa_reviewer, review=review, reason="not mine", now=T0)
    with pytest.raises(ValidationError, match="say why"):
        services.review_dispute(by=agent, review=review, reason="  ", now=T0 + timedelta(days=2))
    services.review_dispute(
        by=agent, review=review, reason="The tracking said Friday", now=T0 + timedelta(days=2)
    )
    with pytest.raises(PermissionDenied):
        services.review_resolve(by=qa_reviewer, review=review, decision="uphold")
    with pytest.raises(ValidationError, match="new ratings"):
        services.review_resolve(by=supervisor, review=review, decision="amend")
    resolved = services.review_resolve(
        by=supervisor,
        review=review,
        decision="amend",
        note="Fair point",
        ratings=ratings(rubric, 5, 5, 1, 3),
    )
    assert resolved.state == ReviewState.AMENDED
    assert (resolved.original_score, resolved.score) == (0.0, 100.0)
    events = TicketEvent.objects.filter(kind="qa_review")
    assert [e.score for e in events] == [100.0]
    assert qa_score(api_as(supervisor), "anna") == pytest.approx(100.0)
    with pytest.raises(Conflict):
        services.review_resolve(by=supervisor, review=resolved, decision="uphold")


def test_dispute_upheld_counts_the_original_score(
    agent: User, team: Team, qa_reviewer: User, rubric: Rubric, supervisor: User
) -> None:
    review = services.review_submit(
        by=qa_reviewer,
        ticket=conversation(agent, team),
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 3, 3, 1, 2),
        now=T0 + timedelta(days=1),
    )
    services.review_dispute(by=agent, review=review, reason="too harsh", now=T0 + timedelta(days=1))
    services.review_resolve(by=supervisor, review=review, decision="uphold")
    review.refresh_from_db()
    assert review.state == ReviewState.UPHELD
    assert review.resolved_by == supervisor
    assert TicketEvent.objects.get(kind="qa_review").score == review.score


def test_undisputed_reviews_become_final_after_the_dispute_days_once(
    agent: User, team: Team, qa_reviewer: User, rubric: Rubric
) -> None:
    review = services.review_submit(
        by=qa_reviewer,
        ticket=conversation(agent, team),
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
        now=T0,
    )
    assert services.reviews_finalize_due(now=T0 + timedelta(days=6)) == 0
    with pytest.raises(Conflict, match="passed"):
        services.review_dispute(by=agent, review=review, reason="late", now=T0 + timedelta(days=8))
    assert services.reviews_finalize_due(now=T0 + timedelta(days=7)) == 1
    assert services.reviews_finalize_due(now=T0 + timedelta(days=9)) == 0
    review.refresh_from_db()
    assert review.state == ReviewState.FINAL
    assert review.event is not None
    assert TicketEvent.objects.filter(kind="qa_review").count() == 1


def test_no_dispute_window_makes_a_review_final_at_once(
    agent: User, team: Team, qa_reviewer: User, rubric: Rubric, supervisor: User
) -> None:
    services.settings_save(by=supervisor, self_review=False, dispute_days=0)
    review = services.review_submit(
        by=qa_reviewer,
        ticket=conversation(agent, team),
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
    )
    assert review.state == ReviewState.FINAL
    assert TicketEvent.objects.filter(kind="qa_review", agent=agent).count() == 1


def test_an_agent_cannot_review_themselves_unless_self_review_is_on(
    team: Team, rubric: Rubric, supervisor: User
) -> None:
    reviewer = UserFactory(username="rex", role=Role.QA_REVIEWER, teams=[team])
    ticket = conversation(reviewer, team)
    with pytest.raises(PermissionDenied, match="your own"):
        services.review_submit(
            by=reviewer,
            ticket=ticket,
            agent=reviewer,
            rubric=rubric,
            ratings=ratings(rubric, 5, 5, 1, 3),
        )
    assert not Review.objects.exists()
    services.settings_save(by=supervisor, self_review=True, dispute_days=7)
    review = services.review_submit(
        by=reviewer,
        ticket=ticket,
        agent=reviewer,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
    )
    assert review.agent == reviewer


def test_agents_do_not_review_and_the_agent_must_have_replied(
    agent: User, other_agent: User, team: Team, qa_reviewer: User, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    with pytest.raises(PermissionDenied):
        services.review_submit(
            by=other_agent,
            ticket=ticket,
            agent=agent,
            rubric=rubric,
            ratings=ratings(rubric, 5, 5, 1, 3),
        )
    with pytest.raises(ValidationError, match="wrote no reply"):
        services.review_submit(
            by=qa_reviewer,
            ticket=ticket,
            agent=other_agent,
            rubric=rubric,
            ratings=ratings(rubric, 5, 5, 1, 3),
        )


def test_pinned_comments_stay_on_their_messages(
    agent: User, team: Team, qa_reviewer: User, rubric: Rubric
) -> None:
    ticket = conversation(agent, team)
    other = conversation(agent, team)
    reply = ticket.messages.get(kind="reply")
    with pytest.raises(ValidationError, match="another ticket"):
        services.review_submit(
            by=qa_reviewer,
            ticket=ticket,
            agent=agent,
            rubric=rubric,
            ratings=ratings(rubric, 5, 5, 1, 3),
            pins=[{"message": other.messages.first().pk, "body": "x"}],
        )
    review = services.review_submit(
        by=qa_reviewer,
        ticket=ticket,
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
        pins=[{"message": reply.pk, "body": "Good promise of a date"}],
    )
    assert [(p.message_id, p.body) for p in review.pins.all()] == [
        (reply.pk, "Good promise of a date")
    ]


def test_finalizing_writes_through_the_ticket_services_in_few_queries(
    agent: User, team: Team, qa_reviewer: User, rubric: Rubric
) -> None:
    review = services.review_submit(
        by=qa_reviewer,
        ticket=conversation(agent, team),
        agent=agent,
        rubric=rubric,
        ratings=ratings(rubric, 5, 5, 1, 3),
        now=T0,
    )
    with CaptureQueriesContext(connection) as queries:
        services.review_acknowledge(by=agent, review=review)
    # Lock, ticket change (log read, insert, ticket update, facts), review update.
    assert len(queries) < 30
