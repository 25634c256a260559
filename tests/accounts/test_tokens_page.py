"""The API tokens page: everyone creates (with an optional lifetime), lists and revokes their
own tokens, admins everyone's; the secret is shown on the creating answer only; htmx, CSRF,
Chinese; pinned query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import ApiToken, User
from afterdesk.accounts.services import api_token_create, hash_token
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

URL = "/accounts/tokens/"
HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_creating_shows_the_secret_once_and_stores_only_its_hash(agent: User) -> None:
    client = client_for(agent)
    response = client.post(URL, {"name": "zapier", "expires_in_days": "30"}, headers=HTMX)
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(name="zapier")
    key = response.content.decode().split('class="token-key" value="')[1].split('"')[0]
    assert token.key_hash == hash_token(key)
    assert token.expires_at is not None
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert ApiClient(key).get("/api/me").status_code == 200

    page = client.get(URL).content.decode()
    assert "zapier" in page
    assert token.prefix in page
    assert key not in page


def test_a_token_that_never_expires_and_a_blank_name(agent: User) -> None:
    client = client_for(agent)
    assert client.post(URL, {"name": "cli", "expires_in_days": ""}).status_code == 201
    assert ApiToken.objects.get(name="cli").expires_at is None
    refused = client.post(URL, {"name": "  ", "expires_in_days": "7"}, headers=HTMX)
    assert refused.status_code == 422
    assert ApiToken.objects.count() == 1
    wrong = client.post(URL, {"name": "x", "expires_in_days": "5000"}, headers=HTMX)
    assert wrong.status_code == 422


def test_an_owner_sees_and_revokes_only_their_own(agent: User, other_agent: User) -> None:
    mine, raw = api_token_create(user=agent, name="anna's")
    theirs, their_raw = api_token_create(user=other_agent, name="bo's")
    client = client_for(agent)
    page = client.get(URL).content.decode()
    assert "anna&#x27;s" in page
    assert "bo&#x27;s" not in page
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/", headers=HTMX).status_code == 404
    assert ApiClient(their_raw).get("/api/me").status_code == 200
    revoked = client.post(f"/accounts/tokens/{mine.pk}/revoke/", headers=HTMX)
    assert revoked.status_code == 200
    assert "revoked" in revoked.content.decode()
    assert ApiClient(raw).get("/api/me").status_code == 401
    # without htmx: back to the page
    assert client.post(f"/accounts/tokens/{mine.pk}/revoke/").status_code == 302


def test_an_admin_sees_and_revokes_everyone_s(admin_user: User, agent: User) -> None:
    token, raw = api_token_create(user=agent, name="anna's")
    client = client_for(admin_user)
    page = client.get(URL).content.decode()
    assert "anna&#x27;s" in page
    assert "Owner" in page
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/", headers=HTMX).status_code == 200
    assert ApiClient(raw).get("/api/me").status_code == 401


def test_an_expired_token_is_marked_expired(agent: User) -> None:
    token, _raw = api_token_create(user=agent, name="old", expires_at=None)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert ">expired<" in client_for(agent).get(URL).content.decode()


def test_revoking_and_creating_need_the_csrf_token(agent: User) -> None:
    token, _raw = api_token_create(user=agent, name="anna's")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/", headers=HTMX).status_code == 403
    assert client.post(URL, {"name": "x"}).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    client.get(URL)  # sets the csrftoken cookie
    csrf = client.cookies[settings.CSRF_COOKIE_NAME].value
    ok = client.post(f"/accounts/tokens/{token.pk}/revoke/", headers={**HTMX, "X-CSRFToken": csrf})
    assert ok.status_code == 200


def test_the_page_needs_a_signed_in_user() -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_page_speaks_chinese(agent: User) -> None:
    api_token_create(user=agent, name="anna's")
    client = client_for(agent)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(URL).content.decode()
    assert "API 令牌" in page
    assert "吊销" in page
    assert "永不过期" in page


@pytest.mark.parametrize("tokens", [1, 6])
def test_the_page_takes_the_same_queries_for_any_number_of_tokens(
    admin_user: User, agent: User, tokens: int, django_assert_num_queries: object
) -> None:
    for n in range(tokens):
        api_token_create(user=agent if n % 2 else admin_user, name=f"t{n}")
    client = client_for(admin_user)
    # the session, its user, the tokens with their owners
    with django_assert_num_queries(3):  # type: ignore[operator]
        response = client.get(URL)
    assert response.status_code == 200
    with django_assert_num_queries(3):  # type: ignore[operator]
        client.get(URL, headers=HTMX)
