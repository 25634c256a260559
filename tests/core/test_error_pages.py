"""The 403, 404, 500 and expired-form pages are the app's own, in its frame, in the user's
language; the 500 page renders without a request or a database, as Django's server_error
renders it."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.utils import translation
from django.views.defaults import server_error

from afterdesk.accounts.models import User

pytestmark = pytest.mark.django_db


def test_a_missing_ticket_is_the_apps_404_page_with_its_navigation(agent: User) -> None:
    client = Client()
    client.force_login(agent)

    response = client.get("/tickets/999999/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page not found</h1>" in page
    assert 'class="mainnav"' in page  # the signed-in frame, so the agent can go on
    assert "Back to the inbox" in page


def test_a_page_above_the_agents_role_is_the_apps_403_page(agent: User) -> None:
    client = Client()
    client.force_login(agent)

    response = client.get("/calendars/new/")

    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "Signed in as" in page


def test_the_404_page_is_translated_into_chinese(agent: User) -> None:
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(agent)

    page = client.get("/tickets/999999/").content.decode()

    assert "<h1>找不到页面</h1>" in page


def test_the_500_page_needs_no_request_context_and_no_database(
    django_assert_num_queries: object,
) -> None:
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):  # type: ignore[operator]
        response = server_error(request)

    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert "app.css" in page


def test_a_form_sent_without_its_csrf_token_gets_the_expired_form_page(agent: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post("/accounts/logout/")

    assert response.status_code == 403
    assert "<h1>The form expired</h1>" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()


def test_the_expired_form_page_is_translated() -> None:
    with translation.override("zh-hans"):
        client = Client(enforce_csrf_checks=True, headers={"accept-language": "zh-hans"})
        page = client.post("/accounts/login/").content.decode()
    assert "表单已过期" in page
