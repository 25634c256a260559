"""Sign-in, sign-out, lockout (django-axes) and the language switch."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password


def test_login_page_renders_with_csp_and_no_inline_script(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "<script>" not in body
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_login_works_and_lands_in_the_inbox(client: Client, agent: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "anna", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:inbox")
    assert client.get(reverse("tickets:inbox")).status_code == 200


def test_login_keeps_a_safe_next_only(client: Client, agent: User) -> None:
    url = reverse("accounts:login")
    response = client.post(url, {"username": "anna", "password": PASSWORD, "next": "/tickets/1/"})
    assert response["Location"] == "/tickets/1/"
    other = Client()
    response = other.post(
        url, {"username": "anna", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("tickets:inbox")


def test_wrong_password_shows_an_error(client: Client, agent: User) -> None:
    response = client.post(reverse("accounts:login"), {"username": "anna", "password": "nope"})
    assert response.status_code == 200
    assert b'class="form-errors"' in response.content


def test_repeated_failures_lock_the_login_with_429(
    client: Client, agent: User, settings: object
) -> None:
    settings.AXES_ENABLED = True  # type: ignore[attr-defined]
    settings.AXES_FAILURE_LIMIT = 3  # type: ignore[attr-defined]
    url = reverse("accounts:login")
    statuses = [
        client.post(url, {"username": "anna", "password": f"wrong-{n}"}).status_code
        for n in range(3)
    ]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429
    # Locked: even the right password is refused, with the explanation page.
    response = client.post(url, {"username": "anna", "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert client.get(reverse("tickets:inbox")).status_code == 302


def test_signed_in_user_visiting_login_goes_to_the_inbox(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:inbox")


def test_login_page_in_simplified_chinese(client: Client) -> None:
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    body = response.content.decode()
    assert "登录 Afterdesk" in body
    assert "简体中文" in body  # the language switch


def test_language_switch_sets_the_cookie_and_redirects(client: Client) -> None:
    response = client.post(
        reverse("accounts:set_language"), {"language": "zh-hans", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert response.cookies["django_language"].value == "zh-hans"
    assert "登录" in client.get(reverse("accounts:login")).content.decode()
