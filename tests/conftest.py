from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from afterdesk.accounts.models import Role, Team, User
from tests.factories import TeamFactory, UserFactory

# The browser-test fixtures (page, phone_page, new_page, chromium): see tests/browser.py.
pytest_plugins = ["tests.browser"]


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test outside a transaction must restore the database it found (serialized_rollback).
    Without it, its closing flush recreates the content types under new ids, and the next
    test that restores the serialized database fails on their unique names (on SQLite, whose
    ids are never reused), depending on which tests a worker happened to run before."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: django_db(transaction=True) needs serialized_rollback=True"
            )
