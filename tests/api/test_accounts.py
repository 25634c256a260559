"""The caller, API tokens, teams and agents."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from afterdesk.accounts.models import ApiToken, Team, User
from afterdesk.accounts.services import hash_token
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]


def test_me(api_as: ApiAs, agent: User) -> None:
    assert api_as(agent).get("/api/me").json() == {
        "username": "anna",
        "display_name": "Anna",
        "role": "agent",
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
    body = api_as(supervisor).get("/api/agents").json()
    assert [(a["username"], a["role"], a["teams"]) for a in body] == [
        ("anna", "agent", ["EU"]),
        ("quinn", "qa_reviewer", ["EU"]),
        ("sam", "supervisor", []),
    ]
