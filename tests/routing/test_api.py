"""The routing API: one access rule with the pages; bad input answers 4xx JSON naming the
field, nothing stored."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.routing.models import AgentRouting, ApprovalRequest, RoutingRule
from afterdesk.tickets import services
from tests.metrics.api.conftest import Api, ApiAs

pytestmark = pytest.mark.django_db

RULE = {
    "name": "Spanish",
    "languages": ["ES"],
    "categories": ["not_received"],
    "set_team": "EU",
    "set_priority": "high",
    "add_tags": ["es"],
}


@pytest.fixture
def api(admin_user: User, api_as: ApiAs) -> Api:
    return api_as(admin_user)


def test_rules_crud_and_access(
    api: Api, api_as: ApiAs, team: Team, agent: User, supervisor: User
) -> None:
    created = api.post("/api/routing/rules", RULE)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["languages"], body["set_team"], body["set_agent"]) == (["es"], "EU", None)
    rule_id = body["id"]
    assert api_as(supervisor).get("/api/routing/rules").status_code == 200
    assert api_as(agent).get("/api/routing/rules").status_code == 403
    assert api_as(supervisor).post("/api/routing/rules", RULE).status_code == 403
    assert api.post("/api/routing/rules", RULE).status_code == 409  # same name
    changed = api.put(f"/api/routing/rules/{rule_id}", {**RULE, "set_agent": "anna"})
    assert changed.json()["set_agent"] == "anna"
    assert api.delete(f"/api/routing/rules/{rule_id}").status_code == 204
    assert api.get(f"/api/routing/rules/{rule_id}").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"set_team": "Nowhere"}, "set_team"),
        ({"set_priority": "asap"}, "set_priority"),
        ({"risk_min": 101}, "risk_min"),
        ({"order_value_min": 10, "order_value_max": 5}, "order_value_min"),
        ({"set_team": None, "set_priority": "", "add_tags": []}, "set_team"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_rule_is_refused(api: Api, team: Team, change: dict, field: str) -> None:
    answer = api.post("/api/routing/rules", {**RULE, **change})
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert not RoutingRule.objects.exists()


def test_agent_skills_team_settings_and_presence(
    api: Api, api_as: ApiAs, team: Team, agent: User
) -> None:
    Calendar.objects.create(key="madrid", tz="Europe/Madrid", hours={"mon": [["09:00", "17:00"]]})
    answer = api.put(
        "/api/routing/agents/anna",
        {
            "languages": ["es", "EN"],
            "capacity": 5,
            "shift": "madrid",
            "approval_limit": "50",
            "approval_currency": "eur",
            "categories": ["not_received"],
        },
    )
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["languages"], body["capacity"], body["shift"]) == (["en", "es"], 5, "madrid")
    assert body["approval_currency"] == "EUR"
    bad = api.put("/api/routing/agents/anna", {"capacity": -1})
    assert (bad.status_code, bad.json()["field"]) == (422, "capacity")
    assert api.put("/api/routing/agents/ghost", {}).status_code == 404
    assert AgentRouting.objects.get(user=agent).capacity == 5
    mode = api.put(f"/api/routing/teams/{team.pk}", {"mode": "round_robin"})
    assert mode.json()["mode"] == "round_robin"
    assert api.put(f"/api/routing/teams/{team.pk}", {"mode": "lottery"}).status_code == 422
    mine = api_as(agent)
    assert mine.get("/api/routing/presence").json()["presence"] == "offline"
    assert mine.put("/api/routing/presence", {"presence": "online"}).json()["presence"] == "online"
    assert mine.put("/api/routing/presence", {"presence": "busy"}).status_code == 422
    assert mine.put("/api/routing/agents/anna", {"capacity": 99}).status_code == 403


def test_approval_flow(api_as: ApiAs, agent: User, supervisor: User) -> None:
    AgentRouting.objects.create(user=agent, approval_limit=50, approval_currency="EUR")
    mine = api_as(agent)
    check = mine.post("/api/routing/approvals/check", {"amount": "70", "currency": "EUR"})
    assert check.json() == {"required": True}
    ticket = services.ticket_create(subject="refund", channel="email", body="x")
    services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    created = mine.post(
        "/api/routing/approvals",
        {"kind": "refund", "amount": "70", "currency": "EUR", "ticket_id": ticket.pk},
    )
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert (
        mine.post(f"/api/routing/approvals/{request_id}/decision", {"approve": True}).status_code
        == 403
    )
    boss = api_as(supervisor)
    decided = boss.post(f"/api/routing/approvals/{request_id}/decision", {"approve": True})
    assert decided.json()["status"] == "approved"
    again = boss.post(f"/api/routing/approvals/{request_id}/decision", {"approve": False})
    assert again.status_code == 409
    other = services.ticket_create(subject="hidden", channel="email", body="x")
    hidden = mine.post(
        "/api/routing/approvals",
        {"kind": "credit", "amount": "5", "currency": "EUR", "ticket_id": other.pk},
    )
    assert hidden.status_code == 404
    assert ApprovalRequest.objects.count() == 1
