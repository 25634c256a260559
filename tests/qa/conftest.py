"""Shared fixtures of the QA tests: a rubric, conversations an agent answered, API clients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.qa import services as qa_services
from afterdesk.qa.models import Rubric
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient
from tests.factories import T0

CATEGORIES: list[dict[str, Any]] = [
    {"name": "Greeting", "weight": 1, "scale": "1-5", "check": "greeting"},
    {"name": "Accuracy", "weight": 2, "scale": "1-5", "critical": True, "allow_na": False},
    {"name": "Tone", "weight": 1, "scale": "binary"},
    {"name": "Templates", "weight": 1, "scale": "1-3", "check": "template"},
]


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def rubric(supervisor: User) -> Rubric:
    return qa_services.rubric_save(by=supervisor, name="Email basics", categories=CATEGORIES)


def conversation(
    agent: User,
    team: Team | None,
    *,
    at: datetime = T0,
    inbound: str = "Hello, where is my parcel? I ordered it two weeks ago.",
    reply: str = "Hi there, your parcel is on its way and arrives on Friday. Kind regards",
    subject: str = "Where is my parcel?",
) -> Ticket:
    """A ticket with the buyer's message and the agent's reply an hour later."""
    ticket = services.ticket_create(subject=subject, channel="email", body=inbound, at=at)
    if team is not None:
        ticket.team = team
        ticket.save(update_fields=["team"])
    services.message_reply(ticket=ticket, by=agent, body=reply, at=at + timedelta(hours=1))
    ticket.refresh_from_db()
    return ticket


def ratings(rubric: Rubric, *values: int | None) -> list[dict[str, Any]]:
    return [
        {"category": c.pk, "value": v, "comment": ""}
        for c, v in zip(rubric.categories.all(), values, strict=True)
    ]
