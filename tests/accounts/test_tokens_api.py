"""API tokens over the API: an optional expiry set at creation (an expired token is a 401
saying so), and the list and revocation: owners their own tokens, admins everyone's,
anyone else a 404; the secret is never shown again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from afterdesk.accounts.models import ApiToken, User
from afterdesk.accounts.services import api_token_create
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


def client_of(user: User, name: str = "tests") -> ApiClient:
    _token, raw = api_token_create(user=user, name=name)
    return ApiClient(raw)


def test_a_token_created_with_a_lifetime_expires_then_is_a_401_saying_so(agent: User) -> None:
    api = client_of(agent)
    created = api.post("/api/tokens", {"name": "nightly", "expires_in_days": 30})
    assert created.status_code == 201, created.content
    body = created.json()
    expires_at = ApiToken.objects.get(pk=body["id"]).expires_at
    assert expires_at is not None
    assert abs(expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert body["expires_at"] is not None

    nightly = ApiClient(body["key"])
    assert nightly.get("/api/me").status_code == 200
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = nightly.get("/api/me")
    assert refused.status_code == 401
    assert "expired" in refused.json()["message"]


def test_a_token_created_with_a_moment_expires_then(agent: User) -> None:
    at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    created = client_of(agent).post("/api/tokens", {"name": "ci", "expires_at": at.isoformat()})
    assert created.status_code == 201, created.content
    assert ApiToken.objects.get(pk=created.json()["id"]).expires_at == at


def test_a_token_without_expiry_never_expires(agent: User) -> None:
    created = client_of(agent).post("/api/tokens", {"name": "forever"})
    assert created.json()["expires_at"] is None
    assert ApiToken.objects.get(pk=created.json()["id"]).expires_at is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
        ({"name": "x", "expires_in_days": 3651}, "expires_in_days"),
        ({"name": "x", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
        ({"name": "x", "expires_at": "tomorrow"}, "expires_at"),
        (
            {"name": "x", "expires_at": "2999-01-01T00:00:00Z", "expires_in_days": 3},
            "expires_in_days",
        ),
        ({"name": "   "}, "name"),
    ],
)
def test_a_wrong_expiry_is_a_422_naming_the_field(
    agent: User, payload: dict[str, object], field: str
) -> None:
    api = client_of(agent)
    response = api.post("/api/tokens", payload)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert ApiToken.objects.count() == 1  # nothing created but the caller's own


def test_an_owner_lists_only_their_own_tokens_without_secrets(
    agent: User, other_agent: User
) -> None:
    api = client_of(agent, "anna's")
    client_of(other_agent, "bo's")
    listed = api.get("/api/tokens").json()
    assert [(t["name"], t["user"]) for t in listed] == [("anna's", "anna")]
    assert set(listed[0]) == {
        "id",
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
        "expires_at",
    }


def test_an_admin_lists_and_revokes_everyone_s_tokens(
    admin_user: User, agent: User, other_agent: User
) -> None:
    admin = client_of(admin_user, "ada's")
    anna_token, anna_raw = api_token_create(user=agent, name="anna's")
    client_of(other_agent, "bo's")
    listed = admin.get("/api/tokens").json()
    assert sorted(t["user"] for t in listed) == ["ada", "anna", "bo"]
    assert admin.delete(f"/api/tokens/{anna_token.pk}").status_code == 204
    assert ApiClient(anna_raw).get("/api/me").status_code == 401


def test_someone_else_s_token_is_a_404_to_an_owner_and_a_supervisor(
    agent: User, other_agent: User, supervisor: User
) -> None:
    bo_token, bo_raw = api_token_create(user=other_agent, name="bo's")
    for caller in (agent, supervisor):
        assert client_of(caller).delete(f"/api/tokens/{bo_token.pk}").status_code == 404
    assert ApiClient(bo_raw).get("/api/me").status_code == 200


def test_the_list_takes_the_same_queries_for_many_tokens(
    admin_user: User, agent: User, other_agent: User, django_assert_num_queries: object
) -> None:
    admin = client_of(admin_user)
    admin.get("/api/me")  # the token's last use is now written (once a minute)
    for n in range(5):
        api_token_create(user=agent if n % 2 else other_agent, name=f"t{n}")
    # the token and its user, the tokens with their owners
    with django_assert_num_queries(2):  # type: ignore[operator]
        listed = admin.get("/api/tokens").json()
    assert len(listed) == 6
