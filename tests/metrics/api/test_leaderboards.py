"""Leaderboards (with the previous period and trend), segment views, metrics settings."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.models import MetricsSettings
from afterdesk.metrics.services import metrics_settings_update
from afterdesk.tickets.models import Ticket
from tests.metrics.api.conftest import OCTOBER, ApiAs

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
    assert set(rows[0]) == {"agent", "rank", "total", "previous_total", "previous_rank", "trend"}


def test_leaderboard_validation(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    response = api.get("/api/leaderboards/agents", period="quarter")
    assert (response.status_code, response.json()["field"]) == (422, "period")
    assert api.get("/api/leaderboards/teams", template="nope", **MONTH).status_code == 404


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
