from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from afterdesk.accounts.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _english_after_each_test() -> Iterator[None]:
    """A request in Chinese leaves the thread's language activated (LocaleMiddleware does not
    reset it); without this, later tests in the same worker would render Chinese."""
    yield
    translation.deactivate()


@pytest.fixture
def team() -> Team:
    return TeamFactory(name="EU")


@pytest.fixture
def other_team() -> Team:
    return TeamFactory(name="APAC")


@pytest.fixture
def agent(team: Team) -> User:
    return UserFactory(username="anna", role=Role.AGENT, teams=[team])


@pytest.fixture
def other_agent(other_team: Team) -> User:
    return UserFactory(username="bo", role=Role.AGENT, teams=[other_team])


@pytest.fixture
def supervisor() -> User:
    return UserFactory(username="sam", role=Role.SUPERVISOR)


@pytest.fixture
def admin_user() -> User:
    return UserFactory(username="ada", role=Role.ADMIN)


@pytest.fixture
def qa_reviewer(team: Team) -> User:
    return UserFactory(username="quinn", role=Role.QA_REVIEWER, teams=[team])
