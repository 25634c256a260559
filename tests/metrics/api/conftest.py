"""Shared data for the performance API tests: two agents of two teams with a month of solved,
rated tickets (October 2026) and a weaker September for anna (the leaderboard trend)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.metrics.services import metrics_settings_update
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.api.conftest import JSON, ApiClient
from tests.factories import T0

OCTOBER = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00+00:00"}
SEPTEMBER_DAY = T0 - timedelta(days=20)  # 2026-09-11


class Api(ApiClient):
    def put(self, path: str, data: Any = None) -> Any:
        return self.client.put(path, data or {}, content_type=JSON, headers=self.headers)


ApiAs = Callable[[User | None], Api]


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        if user is None:
            return Api()
        _token, raw = api_token_create(user=user, name="tests")
        return Api(raw)

    return make


def solved_ticket(
    agent: User,
    minutes: int,
    *,
    rating: int | None = None,
    at: datetime = T0,
    language: str = "en",
    subject: str = "Where is my parcel?",
) -> Ticket:
    ticket = services.ticket_create(
        subject=subject, channel="email", body="Where?", at=at, language=language
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=at)
    reply_at = at + timedelta(minutes=minutes)
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=reply_at)
    if rating is not None:
        services.csat_record(ticket=ticket, rating=rating, at=reply_at + timedelta(hours=2))
    return ticket


@pytest.fixture
def desk(agent: User, other_agent: User) -> dict[str, list[Ticket]]:
    """anna: 5 fast tickets rated 5 in October (rank 1), 5 slow ones in September;
    bo: 5 slow tickets rated 4 in October (rank 2), in German. Both are first-line agents,
    scored under the `first_line` preset (assigned to that position)."""
    User.objects.filter(pk__in=[agent.pk, other_agent.pk]).update(position="first_line")
    tickets: dict[str, list[Ticket]] = {"anna": [], "bo": [], "anna_september": []}
    for i in range(5):
        tickets["anna"].append(solved_ticket(agent, 30, rating=5, at=T0 + timedelta(hours=i)))
        tickets["bo"].append(
            solved_ticket(other_agent, 240, rating=4, at=T0 + timedelta(hours=i), language="de")
        )
        tickets["anna_september"].append(
            solved_ticket(agent, 240, rating=4, at=SEPTEMBER_DAY + timedelta(hours=i))
        )
    return tickets


@pytest.fixture
def public_leaderboard() -> None:
    metrics_settings_update(public_leaderboard=True)
