"""Query counts of the scorecard, leaderboard, segment, drill-down and my-scorecard screens
(the pages and the API), pinned at two data sizes: the same number of queries for 3 and for
30 agents (with as many teams, languages and tickets behind one figure), so an N+1 cannot
come back unseen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.metrics.models import ScorecardTemplateVersion
from afterdesk.metrics.services import (
    metrics_settings_update,
    template_save,
    template_version_latest,
)
from tests.factories import T0, TeamFactory, UserFactory
from tests.metrics.views.conftest import HTMX, WEEK, WHAT_IF, solved_ticket

pytestmark = pytest.mark.django_db

SIZES = [3, 30]
EARLIER = T0 - timedelta(days=7)  # the week before WEEK
POSITIONS = ("", "first_line", "second_line")  # two templates, and agents without one

Desk = Callable[[int], dict[str, User]]


@pytest.fixture
def desk(agent: User, supervisor: User) -> Desk:
    """`desk(n)`: anna (the `agent` fixture, first-line) with n tickets this week (the rows
    of her drill-down) and one the week before; n more agents, each in a team of their own,
    with positions in turn first-line, second-line and none, each with a solved, rated ticket
    this week (in a language of their own) and one the week before."""

    def make(n: int) -> dict[str, User]:
        for key in ("first_line", "second_line"):  # one ticket scores an agent, from before
            definition = template_version_latest(key=key).definition
            version = template_save(definition={**definition, "min_samples": 1})
            ScorecardTemplateVersion.objects.filter(pk=version.pk).update(
                effective_from=EARLIER - timedelta(days=30)
            )
        User.objects.filter(pk=agent.pk).update(position="first_line")
        agent.position = "first_line"
        users = {"anna": agent, "sam": supervisor}
        for i in range(1, n + 1):
            user = UserFactory(
                username=f"agent{i:02d}",
                position=POSITIONS[i % 3],
                teams=[TeamFactory(name=f"team {i:02d}")],
            )
            solved_ticket(user, 30 + i, 4 + i % 2, language=f"l{i:02d}")
            solved_ticket(user, 60 + i, 4, at=EARLIER)
            users[user.username] = user
        for i in range(n):
            solved_ticket(agent, 20 + i, 5, at=T0 + timedelta(minutes=i), subject=f"Anna {i}")
        solved_ticket(agent, 90, 4, at=EARLIER)
        return users

    return make


def _first_line(n: int) -> list[int]:
    """The numbers of the first-line agents of `desk(n)` besides anna."""
    return [i for i in range(1, n + 1) if POSITIONS[i % 3] == "first_line"]


def _api(user: User) -> Client:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    client.get(reverse("metrics:me"))  # the settings rows exist from now on
    return client


def _page(client: Client, url: str, params: dict[str, str], **extra: Any) -> str:
    response = client.get(url, params, **extra)
    assert response.status_code == 200, response.content
    return response.content.decode()


# Every page: the session and the user; the template choices of the period form.
PAGE = 2 + 1
# The navigation of an agent's page asks whether the leaderboard is public (once a request).
NAV = 1
# Every API call: the token and its last use.
API = 2
# The template groups of the period: assignments, versions, positions.
GROUPS = 3
# Each agent's own template in force at a period's end: assignments, versions, the agents and
# their positions (for one known agent: assignments, versions).
OWN = 4
ONE_OWN = 2
# One stored template's version (what-if, or the version a link names).
VERSION = 1
# The figures of a period: the 8 KPI families, the agents with their profiles.
FIGURES = 8 + 1
# The page of a drill-down: the count and the rows.
ROWS = 2


# ------------------------------------------------------------------------------- pages


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("params", "queries"),
    [
        pytest.param(WEEK, PAGE + GROUPS + OWN + FIGURES, id="own-templates"),
        pytest.param(WHAT_IF, PAGE + GROUPS + VERSION + FIGURES, id="what-if"),
    ],
)
def test_scorecard_page(
    client: Client,
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    _login(client, users["sam"])
    with django_assert_num_queries(queries):
        html = _page(client, reverse("metrics:scorecard"), params)
    assert html.count('href="/performance/agents/') >= n
    with django_assert_num_queries(queries):  # the htmx partial: the same reads
        _page(client, reverse("metrics:scorecard"), params, **HTMX)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        # the period and the one before, then the teams' members
        pytest.param("sam", WEEK, PAGE + GROUPS + 2 * (OWN + FIGURES) + 1, id="own-templates"),
        pytest.param("sam", WHAT_IF, PAGE + GROUPS + VERSION + 2 * FIGURES + 1, id="what-if"),
        pytest.param(
            "anna", WEEK, PAGE + NAV + GROUPS + 2 * (OWN + FIGURES) + 1, id="agent-public"
        ),
    ],
)
def test_leaderboard_page(
    client: Client,
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    metrics_settings_update(public_leaderboard=True)
    _login(client, users[viewer])
    with django_assert_num_queries(queries):
        html = _page(client, reverse("metrics:leaderboard"), params)
    assert f"team {_first_line(n)[-1]:02d}" in html  # the last first-line agent's team


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dimension", ["language", "market", "shift"])
def test_segments_page(
    client: Client, desk: Desk, django_assert_num_queries: Any, n: int, dimension: str
) -> None:
    users = desk(n)
    _login(client, users["sam"])
    # the session and the user; the figures of the period and of the one before
    with django_assert_num_queries(2 + 2):
        html = _page(client, reverse("metrics:segments"), {**WEEK, "dimension": dimension})
    if dimension == "language":
        assert f"l{n:02d}" in html


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        # the agent's own template; the tickets behind the figure
        pytest.param(
            "anna", {"kpi": "csat_rate", "agent": "anna"}, PAGE + NAV + ONE_OWN + ROWS, id="own"
        ),
        # + the agent asked for
        pytest.param(
            "sam", {"kpi": "fcr_rate", "agent": "anna"}, PAGE + 1 + ONE_OWN + ROWS, id="manager"
        ),
        # the replies behind the figure, each with its ticket and the message it answers
        pytest.param(
            "anna",
            {"kpi": "reply_time_business", "agent": "anna"},
            PAGE + NAV + ONE_OWN + ROWS,
            id="replies",
        ),
        # the version the link names
        pytest.param(
            "anna",
            {"kpi": "csat_rate", "agent": "anna", "template": "first_line", "version": "1"},
            PAGE + NAV + VERSION + ROWS,
            id="given-version",
        ),
    ],
)
def test_drilldown_page(
    client: Client,
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    _login(client, users[viewer])
    with django_assert_num_queries(queries):
        html = _page(client, reverse("metrics:drilldown"), {**WEEK, **params})
    assert f"Anna {n - 1}<" in html


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "whose", "params", "queries"),
    [
        # the agent's own template, then the board of that group for the period and the one
        # before (rank and trend)
        pytest.param(
            "anna", "", WEEK, PAGE + NAV + ONE_OWN + 2 * (OWN + FIGURES), id="me-own-template"
        ),
        pytest.param("anna", "", WHAT_IF, PAGE + NAV + VERSION + 2 * FIGURES, id="me-what-if"),
        # the agent asked for; without a template: the figures of the period, no score
        pytest.param(
            "sam", "agent03", WEEK, PAGE + 1 + ONE_OWN + OWN + FIGURES, id="agent-without-template"
        ),
    ],
)
def test_agent_scorecard_page(
    client: Client,
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    whose: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    url = reverse("metrics:agent", args=[whose]) if whose else reverse("metrics:me")
    _login(client, users[viewer])
    with django_assert_num_queries(queries):
        _page(client, url, params)


# --------------------------------------------------------------------------------- API


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        pytest.param("sam", WEEK, API + OWN + FIGURES, id="own-templates"),
        pytest.param("sam", WHAT_IF, API + VERSION + FIGURES, id="what-if"),
        # + whether the leaderboard is public (the others' rank and total)
        pytest.param("anna", WEEK, API + OWN + FIGURES + 1, id="agent"),
    ],
)
def test_api_scorecards(
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    metrics_settings_update(public_leaderboard=True)
    api = _api(users[viewer])
    with django_assert_num_queries(queries):
        response = api.get("/api/scorecards", params)
    assert response.status_code == 200, response.content
    assert len(response.json()["rows"]) == n + 1  # sam answers no ticket: no row


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("board", ["agents", "teams"])
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        # the groups, then the period and the one before
        pytest.param("sam", WEEK, API + GROUPS + 2 * (OWN + FIGURES), id="own-templates"),
        pytest.param("sam", WHAT_IF, API + GROUPS + VERSION + 2 * FIGURES, id="what-if"),
        # + whether the leaderboard is public
        pytest.param("anna", WEEK, API + 1 + GROUPS + 2 * (OWN + FIGURES), id="agent-public"),
    ],
)
def test_api_leaderboards(
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    board: str,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    metrics_settings_update(public_leaderboard=True)
    api = _api(users[viewer])
    # teams: + the memberships
    with django_assert_num_queries(queries + (board == "teams")):
        response = api.get(f"/api/leaderboards/{board}", params)
    assert response.status_code == 200, response.content
    # a row per agent (or their team) of the group: the first-line agents, or everyone
    ranked = n + 1 if "template" in params else 1 + len(_first_line(n))
    assert len(response.json()["rows"]) == ranked


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dimension", ["language", "market", "shift"])
def test_api_segments(desk: Desk, django_assert_num_queries: Any, n: int, dimension: str) -> None:
    users = desk(n)
    api = _api(users["sam"])
    with django_assert_num_queries(API + 2):
        response = api.get("/api/segments", {**WEEK, "dimension": dimension})
    assert response.status_code == 200, response.content
    if dimension == "language":
        assert len(response.json()["rows"]) == n + 1  # and anna's tickets in German


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        # the agent's own template (assignments, versions, position); the tickets
        pytest.param("anna", {"kpi": "csat_rate"}, API + ONE_OWN + 1 + ROWS, id="own"),
        # + the agent asked for
        pytest.param(
            "sam", {"kpi": "fcr_rate", "agent": "anna"}, API + 1 + ONE_OWN + 1 + ROWS, id="manager"
        ),
        # the template's latest version instead of the agent's own
        pytest.param(
            "anna",
            {"kpi": "csat_rate", "template": "first_line"},
            API + VERSION + ROWS,
            id="template",
        ),
    ],
)
def test_api_drilldown(
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    api = _api(users[viewer])
    with django_assert_num_queries(queries):
        response = api.get("/api/scorecards/drilldown", {**WEEK, **params})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize(
    ("viewer", "params", "queries"),
    [
        # the 8 KPI families, the usernames
        pytest.param("sam", {}, API + 8 + 1, id="everyone"),
        pytest.param("anna", {}, API + 8 + 1, id="own"),
        pytest.param("sam", {"template": "first_line"}, API + VERSION + 8 + 1, id="template"),
    ],
)
def test_api_kpis(
    desk: Desk,
    django_assert_num_queries: Any,
    n: int,
    viewer: str,
    params: dict[str, str],
    queries: int,
) -> None:
    users = desk(n)
    api = _api(users[viewer])
    with django_assert_num_queries(queries):
        response = api.get("/api/kpis", {**WEEK, **params})
    assert response.status_code == 200, response.content
