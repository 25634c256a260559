"""Leaderboards (one template group at a time, with the previous period and trend), segment
views, metrics settings."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.metrics.assignments import template_assign
from afterdesk.metrics.models import MetricsSettings
from afterdesk.metrics.services import metrics_settings_update
from afterdesk.tickets.models import Ticket
from tests.factories import T0, UserFactory
from tests.metrics.api.conftest import OCTOBER, SEPTEMBER_DAY, ApiAs, solved_ticket

pytestmark = pytest.mark.django_db
MONTH = {"period": "month", "date": "2026-10-15"}


def test_agent_leaderboard_with_previous_period_and_trend(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(supervisor).get("/api/leaderboards/agents", **MONTH)
    assert response.status_code == 200
    body = response.json()
    assert (body["previous_start"], body["previous_end"]) == (
        "2026-08-31T00:00:00Z",
        "2026-10-01T00:00:00Z",
    )
    anna, bo = body["rows"]
    assert (anna["agent"], anna["rank"], bo["agent"], bo["rank"]) == ("anna", 1, "bo", 2)
    assert anna["previous_rank"] == 1
    assert anna["previous_total"] < anna["total"]
    assert anna["trend"] == pytest.approx(anna["total"] - anna["previous_total"], abs=0.011)
    assert (bo["previous_total"], bo["previous_rank"], bo["trend"]) == (None, None, None)


def test_team_leaderboard(api_as: ApiAs, admin_user: User, desk: dict[str, list[Ticket]]) -> None:
    body = api_as(admin_user).get("/api/leaderboards/teams", **MONTH).json()
    assert [(r["team"], r["rank"], r["agents"]) for r in body["rows"]] == [
        ("EU", 1, 1),
        ("APAC", 2, 1),
    ]
    eu, apac = body["rows"]
    assert eu["previous_total"] is not None
    assert eu["trend"] == pytest.approx(eu["total"] - eu["previous_total"], abs=0.011)
    assert (apac["previous_total"], apac["trend"]) == (None, None)


@pytest.mark.parametrize("board", ["agents", "teams"])
@pytest.mark.parametrize("role", ["agent", "qa_reviewer"])
def test_agents_see_leaderboards_only_when_public(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str, board: str
) -> None:
    api = api_as(request.getfixturevalue(role))
    response = api.get(f"/api/leaderboards/{board}", **MONTH)
    assert response.status_code == 403
    assert response.json() == {"message": "the leaderboard is not public on this desk"}
    metrics_settings_update(public_leaderboard=True)
    assert api.get(f"/api/leaderboards/{board}", **MONTH).status_code == 200


def test_public_leaderboard_rows_for_an_agent(
    api_as: ApiAs, other_agent: User, desk: dict[str, list[Ticket]], public_leaderboard: None
) -> None:
    rows = api_as(other_agent).get("/api/leaderboards/agents", **MONTH).json()["rows"]
    assert [(r["agent"], r["rank"]) for r in rows] == [("anna", 1), ("bo", 2)]
    assert set(rows[0]) == {
        "agent",
        "template",
        "rank",
        "total",
        "previous_total",
        "previous_rank",
        "previous_template",
        "trend",
    }


def test_leaderboard_validation(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    response = api.get("/api/leaderboards/agents", period="quarter")
    assert (response.status_code, response.json()["field"]) == (422, "period")
    assert api.get("/api/leaderboards/teams", template="nope", **MONTH).status_code == 404
    assert api.get("/api/leaderboards/agents", own_template="nope", **MONTH).status_code == 404


def test_segments_by_language_with_previous_period(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(supervisor).get("/api/segments", dimension="language", **OCTOBER)
    assert response.status_code == 200
    body = response.json()
    assert body["dimension"] == "language"
    rows = {r["segment"]: r for r in body["rows"]}
    assert set(rows) == {"en", "de"}
    assert rows["de"]["solved"] == 5
    assert rows["de"]["resolution_time_business"] == 240.0
    assert rows["de"]["csat_rate"] == 1.0
    assert rows["de"]["previous"] is None
    assert rows["en"]["previous"]["solved"] == 5  # anna's September


@pytest.mark.parametrize(
    "dimension", ["language", "market", "platform", "channel", "category", "shift"]
)
def test_every_segment_dimension_answers(
    api_as: ApiAs, admin_user: User, desk: dict[str, list[Ticket]], dimension: str
) -> None:
    response = api_as(admin_user).get("/api/segments", dimension=dimension, **OCTOBER)
    assert response.status_code == 200
    assert sum(r["solved"] for r in response.json()["rows"]) == 10


def test_segments_validation_and_roles(api_as: ApiAs, supervisor: User, agent: User) -> None:
    response = api_as(supervisor).get("/api/segments", dimension="colour", **OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "dimension")
    response = api_as(supervisor).get("/api/segments", **OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "dimension")
    response = api_as(agent).get("/api/segments", dimension="language", **OCTOBER)
    assert response.status_code == 403


def test_metrics_settings_read_by_all_changed_by_admins(
    api_as: ApiAs, agent: User, supervisor: User, admin_user: User
) -> None:
    body = api_as(agent).get("/api/metrics-settings").json()
    assert body["public_leaderboard"] is False
    assert "updated_at" in body
    response = api_as(supervisor).put("/api/metrics-settings", {"public_leaderboard": True})
    assert response.status_code == 403
    assert MetricsSettings.load().public_leaderboard is False
    response = api_as(admin_user).put("/api/metrics-settings", {"public_leaderboard": True})
    assert (response.status_code, response.json()["public_leaderboard"]) == (200, True)
    assert MetricsSettings.load().public_leaderboard is True
    response = api_as(admin_user).put("/api/metrics-settings", {"public_leaderboard": "maybe"})
    assert (response.status_code, response.json()["field"]) == (422, "public_leaderboard")
    response = api_as(admin_user).put("/api/metrics-settings", {})
    assert (response.status_code, response.json()["field"]) == (422, "public_leaderboard")


# ------------------------------------------------- one template group at a time


def _tickets(user: User, minutes: int, rating: int, at: datetime) -> None:
    for i in range(5):
        solved_ticket(user, minutes, rating=rating, at=at + timedelta(hours=i))


@pytest.fixture
def groups(
    desk: dict[str, list[Ticket]], agent: User, other_agent: User, supervisor: User, team: Team
) -> dict[str, User]:
    """anna and cy (team EU) are first-line agents, bo (APAC) second-line; sam, a supervisor,
    has no template but answers tickets too. In September cy beat anna, and bo beat both."""
    cy = UserFactory(username="cy", position="first_line", teams=[team])
    User.objects.filter(pk=other_agent.pk).update(position="second_line")
    _tickets(cy, 120, 4, T0)
    _tickets(supervisor, 60, 4, T0)
    _tickets(cy, 20, 5, SEPTEMBER_DAY)
    _tickets(other_agent, 10, 5, SEPTEMBER_DAY)
    return {"anna": agent, "bo": other_agent, "cy": cy, "sam": supervisor}


def _ranks(body: dict[str, Any]) -> list[tuple[str, int | None, int | None]]:
    return [(r["agent"], r["rank"], r["previous_rank"]) for r in body["rows"]]


def test_leaderboard_ranks_within_one_template_group(
    api_as: ApiAs, groups: dict[str, User]
) -> None:
    api = api_as(groups["sam"])
    body = api.get("/api/leaderboards/agents", **MONTH).json()
    # sam has no template: the first group in use; the previous rank is among the first-line
    # agents of September (cy 1, anna 2), although bo (second-line) beat both then
    assert (body["mode"], body["template"]) == (
        "own",
        {"key": "first_line", "name": "First-line agent", "version": 1},
    )
    assert _ranks(body) == [("anna", 1, 2), ("cy", 2, 1)]
    assert {r["template"] for r in body["rows"]} == {"first_line"}
    assert [(g["key"], g["people"], g["yours"]) for g in body["groups"]] == [
        ("first_line", 2, False),
        ("second_line", 1, False),
    ]
    second = api.get("/api/leaderboards/agents", own_template="second_line", **MONTH).json()
    assert second["template"]["key"] == "second_line"
    assert _ranks(second) == [("bo", 1, 1)]
    assert second["rows"][0]["previous_template"] == "second_line"
    unused = api.get("/api/leaderboards/agents", own_template="gold_agent", **MONTH).json()
    assert (unused["template"]["key"], unused["rows"]) == ("gold_agent", [])


def test_what_if_leaderboard_ranks_everyone_under_one_template(
    api_as: ApiAs, groups: dict[str, User]
) -> None:
    api = api_as(groups["sam"])
    body = api.get("/api/leaderboards/agents", template="first_line", **MONTH).json()
    assert body["mode"] == "what_if"
    assert {r["agent"] for r in body["rows"]} == {"anna", "bo", "cy", "sam"}
    assert {r["template"] for r in body["rows"]} == {"first_line"}
    # own_template does not apply with a what-if template
    same = api.get(
        "/api/leaderboards/agents", template="first_line", own_template="second_line", **MONTH
    ).json()
    assert same == body


def test_leaderboard_defaults_to_your_own_template(
    api_as: ApiAs, groups: dict[str, User], public_leaderboard: None
) -> None:
    body = api_as(groups["bo"]).get("/api/leaderboards/agents", **MONTH).json()
    assert body["template"]["key"] == "second_line"
    assert [(g["key"], g["yours"]) for g in body["groups"]] == [
        ("second_line", True),
        ("first_line", False),
    ]
    assert _ranks(body) == [("bo", 1, 1)]
    teams = api_as(groups["bo"]).get("/api/leaderboards/teams", **MONTH).json()
    assert teams["template"]["key"] == "second_line"
    assert [(r["team"], r["agents"]) for r in teams["rows"]] == [("APAC", 1)]


def test_team_leaderboard_never_mixes_templates(api_as: ApiAs, groups: dict[str, User]) -> None:
    api = api_as(groups["sam"])
    first = api.get("/api/leaderboards/teams", own_template="first_line", **MONTH).json()
    # EU: anna and cy under first_line; APAC's only agent, bo, is second-line
    assert [(r["team"], r["rank"], r["agents"]) for r in first["rows"]] == [("EU", 1, 2)]
    eu = first["rows"][0]
    agents = api.get("/api/leaderboards/agents", own_template="first_line", **MONTH).json()
    totals = [r["total"] for r in agents["rows"]]
    assert eu["total"] == pytest.approx(sum(totals) / 2, abs=0.011)
    second = api.get("/api/leaderboards/teams", own_template="second_line", **MONTH).json()
    assert [(r["team"], r["agents"]) for r in second["rows"]] == [("APAC", 1)]
    what_if = api.get("/api/leaderboards/teams", template="first_line", **MONTH).json()
    assert {r["team"] for r in what_if["rows"]} == {"EU", "APAC"}


def test_previous_rank_is_under_the_template_of_then(
    api_as: ApiAs, groups: dict[str, User]
) -> None:
    # cy does second-line work from October on: in September she was a first-line agent
    template_assign(
        template_key="second_line", agent=groups["cy"], effective_from=date(2026, 10, 1)
    )
    body = (
        api_as(groups["sam"])
        .get("/api/leaderboards/agents", own_template="second_line", **MONTH)
        .json()
    )
    rows = {r["agent"]: r for r in body["rows"]}
    assert set(rows) == {"bo", "cy"}
    assert (rows["cy"]["previous_rank"], rows["cy"]["previous_template"]) == (1, "first_line")
    assert rows["cy"]["previous_total"] is not None
    assert rows["cy"]["trend"] is None  # totals of two templates do not compare
    assert rows["bo"]["trend"] is not None


def test_no_template_in_use(api_as: ApiAs, supervisor: User, agent: User) -> None:
    for board in ("agents", "teams"):
        body = api_as(supervisor).get(f"/api/leaderboards/{board}", **MONTH).json()
        assert (body["mode"], body["template"], body["groups"], body["rows"]) == (
            "own",
            None,
            [],
            [],
        )


@pytest.mark.parametrize("board", ["agents", "teams"])
@pytest.mark.parametrize(("params", "queries"), [({}, 30), ({"template": "first_line"}, 23)])
def test_leaderboard_query_count_is_pinned(
    api_as: ApiAs,
    groups: dict[str, User],
    django_assert_num_queries: Any,
    board: str,
    params: dict[str, str],
    queries: int,
) -> None:
    api = api_as(groups["sam"])
    api.get("/api/me")  # the token's last use is written on its first request of a minute
    # the token; template groups (assignments, versions,
    # positions); per period the scorecard (own templates: assignments, versions, users,
    # positions; what-if: the version once), 8 KPI families and the agents; teams: memberships
    with django_assert_num_queries(queries + (board == "teams")):
        assert api.get(f"/api/leaderboards/{board}", **params, **MONTH).status_code == 200
    for name, position in (("dee", "first_line"), ("eve", "second_line"), ("fay", "")):
        user = UserFactory(username=name, position=position)
        _tickets(user, 60, 4, T0)
        _tickets(user, 60, 4, SEPTEMBER_DAY)
    with django_assert_num_queries(queries + (board == "teams")):
        body = api.get(f"/api/leaderboards/{board}", **params, **MONTH).json()
    assert body["rows"]
