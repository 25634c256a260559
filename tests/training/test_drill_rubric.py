"""Drill replies graded with a QA rubric: the score is the rubric's (weighted mean of the
rated categories, 0 when a critical one is under 50%), as a QA review's (docs/qa.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from afterdesk.accounts.models import Role, User
from afterdesk.qa.models import Rubric
from afterdesk.qa.services import rubric_save
from afterdesk.tickets import services
from afterdesk.training.models import DrillResponse
from afterdesk.training.services.drills import drill_from_ticket, drill_respond
from tests.api.conftest import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _rubric(by: User) -> Rubric:
    return rubric_save(
        by=by,
        name="Drill rubric",
        categories=[
            {"name": "Empathy", "weight": 2, "scale": "1-5"},
            {"name": "Correct policy", "weight": 1, "scale": "binary", "critical": True},
        ],
    )


def _reply(agent: User, trainer: User) -> DrillResponse:
    ticket = services.ticket_create(subject="Late", channel="email", body="Where is it?")
    drill = drill_from_ticket(ticket=ticket, title="Late parcel", by=trainer)
    return drill_respond(drill=drill, user=agent, reply="So sorry, here is the tracking.")


def test_a_drill_reply_is_scored_with_a_rubric_in_the_api(
    api_as: Callable[[User | None], ApiClient], agent: User
) -> None:
    trainer = UserFactory(role=Role.SUPERVISOR)
    rubric = _rubric(trainer)
    empathy, policy = list(rubric.categories.all())
    reply = _reply(agent, trainer)
    api = api_as(trainer)
    url = f"/api/training/reviews/drills/{reply.pk}"
    missing = api.post(url, {"rubric_id": rubric.pk, "ratings": {str(empathy.pk): 4}})
    assert missing.status_code == 422
    assert missing.json()["field"] == "ratings"
    graded = api.post(
        url, {"rubric_id": rubric.pk, "ratings": {str(empathy.pk): 4, str(policy.pk): 1}}
    )
    assert graded.status_code == 200, graded.content
    # (2 × 75 + 1 × 100) / 3 = 83.33 → 83
    assert graded.json()["score"] == 83
    assert graded.json()["rubric_id"] == rubric.pk


def test_a_failed_critical_category_scores_zero_on_the_page(agent: User) -> None:
    trainer = UserFactory(role=Role.SUPERVISOR)
    rubric = _rubric(trainer)
    empathy, policy = list(rubric.categories.all())
    reply = _reply(agent, trainer)
    client = Client()
    client.force_login(trainer)
    page = client.get("/training/reviews/").content.decode()
    assert "Rubric: Drill rubric" in page
    done = client.post(
        "/training/reviews/",
        {
            "kind": "drill",
            "id": reply.pk,
            "rubric_id": rubric.pk,
            f"r{empathy.pk}": "5",
            f"r{policy.pk}": "0",
        },
    )
    assert done.status_code == 302
    reply.refresh_from_db()
    assert reply.score == 0
    assert reply.ratings == {str(empathy.pk): 5, str(policy.pk): 0}
