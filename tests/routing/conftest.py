from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars.models import Calendar
from afterdesk.routing.models import AgentRouting
from tests.factories import TeamFactory, UserFactory
from tests.metrics.api.conftest import Api, ApiAs

ALL_WEEK = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def always() -> Calendar:
    """A shift that is always on, whatever the clock says now."""
    return Calendar.objects.create(key="always", tz="Europe/Madrid", hours=ALL_WEEK)


@pytest.fixture
def never() -> Calendar:
    """A shift with no hours at all: its agent is never on shift."""
    return Calendar.objects.create(key="never", tz="Asia/Tokyo", hours={})


@pytest.fixture
def desk() -> Team:
    return TeamFactory(name="Spanish desk")


MakeAgent = Callable[..., User]


@pytest.fixture
def make_agent(desk: Team, always: Calendar) -> MakeAgent:
    def make(
        username: str,
        *,
        languages: tuple[str, ...] = ("es",),
        presence: str = "online",
        capacity: int = 8,
        shift: Calendar | str | None = "always",
        team: Team | None = None,
        **routing: Any,
    ) -> User:
        user = UserFactory(username=username, role=Role.AGENT, teams=[team or desk])
        AgentProfile.objects.update_or_create(user=user, defaults={"languages": list(languages)})
        AgentRouting.objects.create(
            user=user,
            presence=presence,
            capacity=capacity,
            shift=always if shift == "always" else shift,
            **routing,
        )
        return user

    return make


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make
