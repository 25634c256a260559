"""The caller, API tokens, teams and agents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from afterdesk.accounts.models import ApiToken, Role, Team, User
from afterdesk.accounts.services import hash_token
from tests.api.conftest import JSON, ApiClient

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]


def test_me(api_as: ApiAs, agent: User) -> None:
    assert api_as(agent).get("/api/me").json() == {
        "username": "anna",
        "display_name": "Anna",
        "role": "agent",
        "position": "",
        "teams": ["EU"],
        "is_active": True,
        "email": "anna@example.com",
        "sees_all_tickets": False,
        "can_configure": False,
    }


def test_token_lifecycle(api_as: ApiAs, agent: User) -> None:
    api = api_as(agent)
    created = api.post("/api/tokens", {"name": "zapier"})
    assert created.status_code == 201
    body = created.json()
    raw = body["key"]
    assert raw.startswith(body["prefix"])
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.key_hash == hash_token(raw)
    assert raw not in stored.key_hash

    listed = api.get("/api/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "zapier"}
    assert all("key" not in t for t in listed)

    new_client = ApiClient(raw)
    assert new_client.get("/api/me").status_code == 200
    revoked = api.delete(f"/api/tokens/{body['id']}")
    assert revoked.status_code == 204
    assert new_client.get("/api/me").status_code == 401
    assert api.delete(f"/api/tokens/{body['id']}").status_code == 204  # idempotent
    assert api.delete("/api/tokens/987654").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field"), [({}, "name"), ({"name": ""}, "name"), ({"name": "x" * 101}, "name")]
)
def test_token_create_invalid(
    api_as: ApiAs, agent: User, payload: dict[str, str], field: str
) -> None:
    response = api_as(agent).post("/api/tokens", payload)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_teams(api_as: ApiAs, admin_user: User, team: Team) -> None:
    api = api_as(admin_user)
    created = api.post("/api/teams", {"name": "LATAM"})
    assert created.status_code == 201
    assert created.json()["name"] == "LATAM"
    assert [t["name"] for t in api.get("/api/teams").json()] == ["EU", "LATAM"]
    duplicate = api.post("/api/teams", {"name": "EU"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "name"
    blank = api.post("/api/teams", {"name": "   "})
    assert blank.status_code == 422


def test_agents(api_as: ApiAs, supervisor: User, agent: User, qa_reviewer: User) -> None:
    agent.position = "first_line"
    agent.save()
    body = api_as(supervisor).get("/api/agents").json()
    assert [(a["username"], a["role"], a["position"], a["teams"]) for a in body] == [
        ("anna", "agent", "first_line", ["EU"]),
        ("quinn", "qa_reviewer", "", ["EU"]),
        ("sam", "supervisor", "", []),
    ]


def patch(api: ApiClient, path: str, data: Any) -> Any:
    return api.client.patch(path, data, content_type=JSON, headers=api.headers)


@pytest.mark.parametrize(
    ("caller", "status"),
    [(None, 401), ("agent", 403), ("qa_reviewer", 403), ("supervisor", 403), ("admin_user", 200)],
)
def test_position_change_is_for_admins(
    api_as: ApiAs, request: pytest.FixtureRequest, agent: User, caller: str | None, status: int
) -> None:
    user = request.getfixturevalue(caller) if caller else None
    response = patch(api_as(user), "/api/agents/anna", {"position": "second_line"})
    assert response.status_code == status, response.json()
    agent.refresh_from_db()
    assert agent.position == ("second_line" if status == 200 else "")


@pytest.mark.parametrize(
    ("before", "position", "after"),
    [
        (Role.AGENT, "night_shift_es", "agent"),
        (Role.AGENT, "supervisor", "supervisor"),
        (Role.AGENT, "qa_reviewer", "qa_reviewer"),
        (Role.AGENT, "admin", "agent"),
        (Role.SUPERVISOR, "team_lead", "agent"),
        (Role.QA_REVIEWER, "", "agent"),
    ],
)
def test_position_change_sets_the_access_level(
    api_as: ApiAs, admin_user: User, agent: User, before: Role, position: str, after: str
) -> None:
    agent.role = before
    agent.save()
    response = patch(api_as(admin_user), "/api/agents/anna", {"position": position})
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("username", "position", "role", "teams")} == {
        "username": "anna",
        "position": position,
        "role": after,
        "teams": ["EU"],
    }


def test_position_change_never_changes_admin_access(api_as: ApiAs, admin_user: User) -> None:
    other = User.objects.create(username="root.admin", role=Role.ADMIN)
    api = api_as(admin_user)
    for username in ("ada", "root.admin"):
        response = patch(api, f"/api/agents/{username}", {"position": "first_line"})
        assert (response.status_code, response.json()["role"]) == (200, "admin")
    other.refresh_from_db()
    assert (other.position, other.role) == ("first_line", Role.ADMIN)


@pytest.mark.parametrize(
    "payload",
    [{}, {"position": "x" * 65}, {"position": "   "}, {"position": 5}, {"position": None}],
)
def test_position_change_invalid(
    api_as: ApiAs, admin_user: User, agent: User, payload: dict[str, Any]
) -> None:
    response = patch(api_as(admin_user), "/api/agents/anna", payload)
    assert response.status_code == 422, response.json()
    assert response.json()["field"] == "position"
    agent.refresh_from_db()
    assert agent.position == ""


def test_position_change_of_an_unknown_agent_is_404(api_as: ApiAs, admin_user: User) -> None:
    response = patch(api_as(admin_user), "/api/agents/ghost", {"position": "first_line"})
    assert response.status_code == 404
