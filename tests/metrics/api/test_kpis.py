"""GET /api/kpis: every KPI with value and n, who sees whom, and period validation."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.catalogue import KPI_IDS
from afterdesk.tickets.models import Ticket
from tests.metrics.api.conftest import OCTOBER, ApiAs

pytestmark = pytest.mark.django_db


def test_supervisor_gets_every_kpi_of_every_agent_with_data(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(supervisor).get("/api/kpis", **OCTOBER)
    assert response.status_code == 200
    body = response.json()
    assert body["template"] == {"key": "first_line", "name": "First-line agent", "version": None}
    assert body["period_start"] == "2026-10-01T00:00:00Z"
    assert [a["agent"] for a in body["agents"]] == ["anna", "bo"]
    anna = body["agents"][0]["kpis"]
    assert set(anna) == set(KPI_IDS)
    assert anna["first_reply_time"] == {"value": 30.0, "n": 5}
    assert anna["csat_avg"] == {"value": 5.0, "n": 5}
    assert anna["qa_score"] == {"value": None, "n": 0}
    assert body["agents"][1]["kpis"]["resolution_time"] == {"value": 240.0, "n": 5}


def test_agent_sees_only_themself(
    api_as: ApiAs, agent: User, desk: dict[str, list[Ticket]]
) -> None:
    body = api_as(agent).get("/api/kpis", **OCTOBER).json()
    assert [a["agent"] for a in body["agents"]] == ["anna"]


@pytest.mark.parametrize("role", ["agent", "qa_reviewer"])
def test_agent_asking_for_another_agent_is_403(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(request.getfixturevalue(role)).get("/api/kpis", agent="bo", **OCTOBER)
    assert response.status_code == 403
    assert response.json()["message"] == "agents may only see their own figures"


def test_qa_reviewer_without_data_gets_an_empty_list(
    api_as: ApiAs, qa_reviewer: User, desk: dict[str, list[Ticket]]
) -> None:
    assert api_as(qa_reviewer).get("/api/kpis", **OCTOBER).json()["agents"] == []


def test_supervisor_filters_by_agent_and_stored_template(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    body = api_as(supervisor).get("/api/kpis", agent="bo", template="second_line", **OCTOBER)
    assert body.status_code == 200
    data = body.json()
    assert data["template"]["key"] == "second_line"
    assert data["template"]["version"] == 1
    assert [a["agent"] for a in data["agents"]] == ["bo"]


def test_unknown_agent_is_422_and_unknown_template_404(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    api = api_as(supervisor)
    response = api.get("/api/kpis", agent="nobody", **OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "agent")
    response = api.get("/api/kpis", template="no-such-template", **OCTOBER)
    assert response.status_code == 404
    assert response.json() == {"message": "no scorecard template 'no-such-template'"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-10-01T00:00:00", "to": "2026-11-01T00:00:00Z"}, "from"),
        ({"from": "2026-10-01T00:00:00Z", "to": "2026-11-01"}, "to"),
        ({"from": "yesterday", "to": "2026-11-01T00:00:00Z"}, "from"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"}, "from"),
        ({"from": "2026-10-01T00:00:00Z", "to": "2026-10-01T02:00:00+02:00"}, "from"),
        ({"from": "2026-10-01T00:00:00Z"}, "to"),
        ({"to": "2026-10-01T00:00:00Z"}, "from"),
        ({}, "from"),
        ({"period": "year"}, "period"),
        ({"period": "week", "date": "2026-13-01"}, "date"),
        ({"period": "week", "tz": "Mars/Olympus"}, "tz"),
        ({"from": "2026-10-01T00:00:00\x00Z", "to": "2026-11-01T00:00:00Z"}, "from"),
    ],
)
def test_bad_periods_are_422_naming_the_field(
    api_as: ApiAs, supervisor: User, params: dict[str, str], field: str
) -> None:
    response = api_as(supervisor).get("/api/kpis", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert response.json()["message"]


def test_period_week_in_a_time_zone(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    params = {"period": "week", "date": "2026-10-01", "tz": "Europe/Berlin"}
    body = api_as(supervisor).get("/api/kpis", **params).json()
    assert body["period_start"] == "2026-09-28T00:00:00+02:00"
    assert body["period_end"] == "2026-10-05T00:00:00+02:00"
    assert [a["agent"] for a in body["agents"]] == ["anna", "bo"]
