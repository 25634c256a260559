"""Scorecards, drill-down and published scorecards through the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.models import PublishedScorecard
from afterdesk.metrics.scorecards import scorecard_compute
from afterdesk.metrics.services import template_version_latest
from afterdesk.metrics.templates import template_parse
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0
from tests.metrics.api.conftest import OCTOBER, ApiAs, solved_ticket

pytestmark = pytest.mark.django_db


def test_supervisor_sees_every_row_with_the_detailed_fields(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(supervisor).get("/api/scorecards", template="first_line", **OCTOBER)
    assert response.status_code == 200
    body = response.json()
    assert body["template"] == {"key": "first_line", "name": "First-line agent", "version": 1}
    assert body["ranked"] == 2
    assert [(r["agent"], r["rank"]) for r in body["rows"]] == [("anna", 1), ("bo", 2)]
    line = body["rows"][0]["kpis"]["first_reply_time_business"]
    assert line["value"] == 30.0
    assert line["n"] == 5
    assert line["score"] == 100.0
    assert line["excluded"] is None
    assert (line["target"], line["floor"], line["override"]) == (30.0, 240.0, None)
    assert "peer_median" in line
    assert set(body["rows"][0]["categories"]) == {"efficiency", "quality", "cost"}


def test_rows_equal_the_scorecard_computed_directly(
    api_as: ApiAs, admin_user: User, desk: dict[str, list[Ticket]]
) -> None:
    body = api_as(admin_user).get("/api/scorecards", template="first_line", **OCTOBER).json()
    spec = template_parse(template_version_latest(key="first_line").definition)
    start, end = T0 - timedelta(hours=8), T0 + timedelta(days=31, hours=-8)
    expected = [
        r.as_json(detailed=True) for r in scorecard_compute(start=start, end=end, template=spec)
    ]
    assert body["rows"] == expected


def test_agent_gets_only_their_own_row_with_rank(
    api_as: ApiAs, other_agent: User, desk: dict[str, list[Ticket]]
) -> None:
    body = api_as(other_agent).get("/api/scorecards", **OCTOBER).json()
    assert [(r["agent"], r["rank"]) for r in body["rows"]] == [("bo", 2)]
    assert body["rows"][0]["kpis"] is not None
    assert body["ranked"] == 2


def test_public_leaderboard_shows_others_rank_and_total_only(
    api_as: ApiAs, other_agent: User, desk: dict[str, list[Ticket]], public_leaderboard: None
) -> None:
    rows = api_as(other_agent).get("/api/scorecards", **OCTOBER).json()["rows"]
    anna, bo = rows
    assert anna["agent"] == "anna"
    assert anna["rank"] == 1
    assert anna["total"] is not None
    assert anna["kpis"] is None
    assert anna["categories"] is None
    assert bo["kpis"] is not None


def test_scorecard_by_period_and_unknown_template(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    api = api_as(supervisor)
    body = api.get("/api/scorecards", period="month", date="2026-10-20").json()
    assert (body["period_start"], body["period_end"]) == (
        "2026-10-01T00:00:00Z",
        "2026-11-01T00:00:00Z",
    )
    assert len(body["rows"]) == 2
    response = api.get("/api/scorecards", template="missing", **OCTOBER)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "kpi",
    [
        "first_reply_time",
        "resolution_time_business",
        "fcr_rate",
        "csat_rate",
        "handled_volume",
        "weighted_volume",
        "sla_first_reply_rate",
    ],
)
def test_drill_down_count_equals_n_of_the_kpi(
    api_as: ApiAs, supervisor: User, desk: dict[str, list[Ticket]], kpi: str
) -> None:
    api = api_as(supervisor)
    figures = api.get("/api/kpis", agent="anna", template="first_line", **OCTOBER).json()
    n = figures["agents"][0]["kpis"][kpi]["n"]
    response = api.get("/api/scorecards/drilldown", kpi=kpi, agent="anna", **OCTOBER)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == n == 5
    assert {t["id"] for t in body["items"]} == {t.pk for t in desk["anna"]}


def test_drill_down_items_carry_the_dates(
    api_as: ApiAs, agent: User, desk: dict[str, list[Ticket]]
) -> None:
    body = (
        api_as(agent)
        .get("/api/scorecards/drilldown", kpi="resolution_time", limit=2, **OCTOBER)
        .json()
    )
    assert (body["agent"], body["count"], body["limit"], len(body["items"])) == ("anna", 5, 2, 2)
    item = body["items"][0]
    assert item["subject"] == "Where is my parcel?"
    assert item["status"] == "solved"
    assert item["last_solve_at"] is not None
    assert item["first_reply_at"] is not None
    assert item["created_at"].startswith("2026-10-01")


def test_drill_down_of_a_ticket_without_facts_in_period_is_empty(
    api_as: ApiAs, supervisor: User, agent: User
) -> None:
    ticket = services.ticket_create(subject="Open", channel="email", body="Hi", at=T0)
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    body = (
        api_as(supervisor)
        .get("/api/scorecards/drilldown", kpi="qa_score", agent="anna", **OCTOBER)
        .json()
    )
    assert (body["count"], body["items"]) == (0, [])


def test_drill_down_permissions_and_validation(
    api_as: ApiAs, agent: User, supervisor: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(agent).get(
        "/api/scorecards/drilldown", kpi="csat_rate", agent="bo", **OCTOBER
    )
    assert response.status_code == 403
    api = api_as(supervisor)
    response = api.get("/api/scorecards/drilldown", kpi="speed", agent="bo", **OCTOBER)
    assert response.status_code == 422
    assert response.json() == {"message": "unknown KPI 'speed'", "field": "kpi"}
    response = api.get("/api/scorecards/drilldown", agent="bo", **OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "kpi")
    response = api.get("/api/scorecards/drilldown", kpi="csat_rate", agent="ghost", **OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "agent")
    response = api.get("/api/scorecards/drilldown", kpi="csat_rate", template="x", **OCTOBER)
    assert response.status_code == 404


def test_publish_freezes_the_scorecard_with_its_template_version(
    api_as: ApiAs, supervisor: User, agent: User, desk: dict[str, list[Ticket]]
) -> None:
    api = api_as(supervisor)
    response = api.post("/api/scorecards/publish", {"template": "first_line", **OCTOBER})
    assert response.status_code == 201
    published = response.json()
    assert published["template"] == {"key": "first_line", "name": "First-line agent", "version": 1}
    assert published["published_by"] == "sam"
    assert published["agents"] == 2
    assert published["template_definition"]["id"] == "first_line"
    assert [r["agent"] for r in published["rows"]] == ["anna", "bo"]
    frozen = published["rows"]

    # Later history does not change what was published.
    services.csat_record(ticket=desk["anna"][0], rating=1, at=T0 + timedelta(days=2))
    again = api.get(f"/api/scorecards/published/{published['id']}").json()
    assert again["rows"] == frozen
    live = api.get("/api/scorecards", **OCTOBER).json()["rows"]
    assert live[0]["kpis"]["csat_rate"] != frozen[0]["kpis"]["csat_rate"]

    listing = api.get("/api/scorecards/published").json()
    assert listing["count"] == 1
    assert [(p["id"], p["template"]["version"]) for p in listing["items"]] == [(published["id"], 1)]
    assert listing["items"][0]["agents"] == 2
    assert api.get("/api/scorecards/published", template="second_line").json()["items"] == []

    mine = api_as(agent).get(f"/api/scorecards/published/{published['id']}").json()
    assert [r["agent"] for r in mine["rows"]] == ["anna"]


def test_publish_by_period_of_a_week(
    api_as: ApiAs, admin_user: User, desk: dict[str, list[Ticket]]
) -> None:
    response = api_as(admin_user).post(
        "/api/scorecards/publish",
        {"template": "first_line", "period": "week", "date": "2026-10-01"},
    )
    assert response.status_code == 201
    assert response.json()["period_start"] == "2026-09-28T00:00:00Z"
    assert PublishedScorecard.objects.count() == 1


@pytest.mark.parametrize("role", ["agent", "qa_reviewer"])
def test_only_supervisors_and_admins_publish(
    api_as: ApiAs, request: pytest.FixtureRequest, role: str
) -> None:
    response = api_as(request.getfixturevalue(role)).post(
        "/api/scorecards/publish", {"template": "first_line", **OCTOBER}
    )
    assert response.status_code == 403
    assert PublishedScorecard.objects.count() == 0


def test_publish_validation(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    response = api.post("/api/scorecards/publish", {"template": "nope", **OCTOBER})
    assert response.status_code == 404
    response = api.post(
        "/api/scorecards/publish",
        {"template": "first_line", "from": "2026-11-01T00:00:00Z", "to": "2026-10-01T00:00:00Z"},
    )
    assert (response.status_code, response.json()["field"]) == (422, "from")
    response = api.post("/api/scorecards/publish", OCTOBER)
    assert (response.status_code, response.json()["field"]) == (422, "template")
    assert api.get("/api/scorecards/published/999").status_code == 404
    assert api.get("/api/scorecards/published/0").status_code == 422


def test_without_a_template_each_agent_is_scored_under_their_own(
    api_as: ApiAs, supervisor: User, agent: User, other_agent: User, desk: dict[str, list[Ticket]]
) -> None:
    User.objects.filter(pk=other_agent.pk).update(position="second_line")
    for _ in range(5):
        solved_ticket(supervisor, 30, rating=5)
    body = api_as(supervisor).get("/api/scorecards", **OCTOBER).json()
    assert (body["mode"], body["template"], body["ranked"]) == ("own", None, 2)
    assert [(r["agent"], r["template"], r["rank"]) for r in body["rows"]] == [
        ("anna", "first_line", 1),
        ("bo", "second_line", 1),
        ("sam", None, None),
    ]
    assert [r["position"] for r in body["rows"]] == ["first_line", "second_line", ""]
    only = api_as(supervisor).get("/api/scorecards", own_template="second_line", **OCTOBER)
    assert [r["agent"] for r in only.json()["rows"]] == ["bo"]
    what_if = api_as(supervisor).get("/api/scorecards", template="second_line", **OCTOBER).json()
    assert what_if["mode"] == "what_if"
    assert {r["template"] for r in what_if["rows"]} == {"second_line"}


def test_drilldown_uses_the_agents_own_template_by_default(
    api_as: ApiAs, agent: User, desk: dict[str, list[Ticket]]
) -> None:
    body = (
        api_as(agent)
        .get("/api/scorecards/drilldown", kpi="resolution_time_index", **OCTOBER)
        .json()
    )
    assert body["template"] == {"key": "first_line", "name": "First-line agent", "version": 1}
    assert body["count"] == 5


def test_publishing_a_template_group_freezes_its_rows_under_the_version_in_force(
    api_as: ApiAs, supervisor: User, other_agent: User, desk: dict[str, list[Ticket]]
) -> None:
    User.objects.filter(pk=other_agent.pk).update(position="second_line")
    api = api_as(supervisor)
    response = api.post("/api/scorecards/publish", {**OCTOBER, "own_template": "first_line"})
    assert response.status_code == 201
    body = response.json()
    assert body["template"] == {"key": "first_line", "name": "First-line agent", "version": 1}
    assert [(r["agent"], r["template"], r["rank"]) for r in body["rows"]] == [
        ("anna", "first_line", 1)
    ]
    neither = api.post("/api/scorecards/publish", OCTOBER)
    assert neither.status_code == 422
    unknown = api.post("/api/scorecards/publish", {**OCTOBER, "own_template": "nope"})
    assert unknown.status_code == 404
    assert PublishedScorecard.objects.count() == 1
