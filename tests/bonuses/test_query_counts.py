"""Query counts of the payout screens (the pages and the API), pinned at two data sizes: the
same number of queries for 3 and for 30 agents paid (payout lines) and frozen statements, so
an N+1 cannot come back unseen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.bonuses.models import BonusRule, PayoutStatement
from afterdesk.bonuses.services import payout_statement_create
from tests.bonuses.helpers import END, START, make_rule, rated
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIZES = [3, 30]
MONTH = {"period": "custom", "from": "2026-10-01", "to": "2026-11-01"}
API_MONTH = {"from": "2026-10-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}


class Payroll:
    """`n` agents scored under the CSAT-only template (anna among them), a rule, and `n`
    frozen statements: October, then October and 1, 2, … more days (each pays every agent)."""

    def __init__(self, n: int, anna: User, admin: User) -> None:
        self.agents = [anna, *(UserFactory(username=f"agent{i:02d}") for i in range(1, n))]
        for agent in self.agents:
            rated(agent, [5, 4])
        self.rule: BonusRule = make_rule()
        self.statements: list[PayoutStatement] = [
            payout_statement_create(
                rule=self.rule, start=START, end=END + timedelta(days=k), by=admin
            )
            for k in range(n)
        ]


MakePayroll = Callable[[int], Payroll]


@pytest.fixture
def payroll(agent: User, admin_user: User) -> MakePayroll:
    return lambda n: Payroll(n, agent, admin_user)


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.get(reverse("bonuses:mine"))  # the session and the settings rows exist from now on
    return client


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


# Every page: the session and the user.
PAGE = 2
# Every API call: the token and its last use.
API = 2
# A payout: the rule's template version in force; the scorecard under each agent's own
# template (assignments, versions, agents, positions; the 8 KPI families; the agents); the
# scored agents' positions; the 8 KPI families again for the rule's KPIs outside the template.
PAYOUT = 1 + (4 + 8 + 1) + 1 + 8


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("htmx", [False, True])
def test_payout_preview_page(
    client: Client,
    payroll: MakePayroll,
    admin_user: User,
    django_assert_num_queries: Any,
    n: int,
    htmx: bool,
) -> None:
    desk = payroll(n)
    _login(client, admin_user)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    # + the rule, the payout, the frozen statement of the period
    with django_assert_num_queries(PAGE + 1 + PAYOUT + 1):
        response = client.get(reverse("bonuses:preview", args=[desk.rule.pk]), MONTH, **extra)
    assert response.status_code == 200
    html = response.content.decode()
    assert all(agent.username in html for agent in desk.agents)  # a line each


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "queries"),
    [
        # + the statement with its rule, author and template version
        pytest.param("admin_user", PAGE + 1, id="manager"),
        # + whether the leaderboard is public (the navigation)
        pytest.param("agent", PAGE + 1 + 1, id="own-line"),
    ],
)
def test_statement_page(
    client: Client,
    request: pytest.FixtureRequest,
    payroll: MakePayroll,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    queries: int,
) -> None:
    desk = payroll(n)
    _login(client, request.getfixturevalue(viewer))
    with django_assert_num_queries(queries):
        response = client.get(reverse("bonuses:statement", args=[desk.statements[0].pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "url", "queries"),
    [
        # + the statements with their rules, authors and template versions
        pytest.param("admin_user", "bonuses:statements", PAGE + 1, id="statements"),
        # agents: their own statements; + whether the leaderboard is public (the navigation)
        pytest.param("agent", "bonuses:mine", PAGE + 1 + 1, id="my-bonus"),
    ],
)
def test_statement_lists(
    client: Client,
    request: pytest.FixtureRequest,
    payroll: MakePayroll,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    url: str,
    queries: int,
) -> None:
    desk = payroll(n)
    _login(client, request.getfixturevalue(viewer))
    with django_assert_num_queries(queries):
        response = client.get(reverse(url))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(f"/bonuses/statements/{s.pk}/" in html for s in desk.statements)


# --------------------------------------------------------------------------------- API


@pytest.mark.parametrize("n", SIZES)
def test_api_payout_preview(
    payroll: MakePayroll, supervisor: User, django_assert_num_queries: Any, n: int
) -> None:
    desk = payroll(n)
    api = _api(supervisor)
    # + the rule, the payout
    with django_assert_num_queries(API + 1 + PAYOUT):
        response = api.get(f"/api/bonus-rules/{desk.rule.pk}/payouts", API_MONTH)
    assert response.status_code == 200, response.content
    assert len(response.json()["lines"]) == n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "path", "queries"),
    [
        # + the count, the page of statements with their rules, authors and versions
        pytest.param("supervisor", "/api/payout-statements", API + 2, id="list"),
        pytest.param("agent", "/api/payout-statements", API + 2, id="list-own"),
        # + the statement
        pytest.param("supervisor", "/api/payout-statements/{id}", API + 1, id="statement"),
        pytest.param("agent", "/api/payout-statements/{id}", API + 1, id="statement-own"),
        pytest.param("supervisor", "/api/payout-statements/{id}/export", API + 1, id="export"),
    ],
)
def test_api_statements(
    request: pytest.FixtureRequest,
    payroll: MakePayroll,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    path: str,
    queries: int,
) -> None:
    desk = payroll(n)
    api = _api(request.getfixturevalue(viewer))
    with django_assert_num_queries(queries):
        response = api.get(path.format(id=desk.statements[0].pk), {"limit": 200})
    assert response.status_code == 200, response.content
    if path == "/api/payout-statements":
        assert response.json()["count"] == n
    elif path.endswith("{id}"):
        assert len(response.json()["lines"]) == (n if viewer == "supervisor" else 1)
