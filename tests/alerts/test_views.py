"""The alerts page: supervisors and admins only; acknowledge with htmx."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.alerts.models import Alert, AlertKind

from .conftest import make_alert

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def alerts() -> list[Alert]:
    return [
        make_alert(message="anna's complaints doubled"),
        make_alert(kind=AlertKind.SLA_DROP, message="EU misses first replies"),
        make_alert(message="old news", acknowledged_at="2026-10-01T00:00:00Z"),
    ]


@pytest.mark.usefixtures("alerts")
@pytest.mark.parametrize("who", ["supervisor", "admin_user"])
def test_page_lists_open_alerts(
    who: str, request: pytest.FixtureRequest, django_assert_num_queries: Any
) -> None:
    client = client_for(request.getfixturevalue(who))
    with django_assert_num_queries(4):  # session, user, the alerts, their count
        response = client.get(reverse("alerts:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "anna&#x27;s complaints doubled" in body
    assert "EU misses first replies" in body
    assert "old news" not in body
    assert "2 open alerts" in body
    assert 'hx-post="/alerts/' in body


@pytest.mark.usefixtures("alerts")
def test_page_filters_by_kind_and_ignores_unknown_kinds(supervisor: User) -> None:
    client = client_for(supervisor)
    body = client.get(reverse("alerts:list"), {"kind": "sla_drop"}).content.decode()
    assert "EU misses first replies" in body
    assert "complaints doubled" not in body
    assert "2 open alerts" in client.get(reverse("alerts:list"), {"kind": "x"}).content.decode()


@pytest.mark.parametrize("who", ["agent", "qa_reviewer"])
def test_agents_get_403(who: str, request: pytest.FixtureRequest, alerts: list[Alert]) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("alerts:list")).status_code == 403
    url = reverse("alerts:acknowledge", args=[alerts[0].pk])
    assert client.post(url, headers=HTMX).status_code == 403
    alerts[0].refresh_from_db()
    assert alerts[0].acknowledged_at is None


def test_anonymous_is_sent_to_login(alerts: list[Alert]) -> None:
    client = client_for(None)
    assert client.get(reverse("alerts:list")).status_code == 302
    response = client.post(reverse("alerts:acknowledge", args=[alerts[0].pk]))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_htmx_acknowledge_swaps_the_row(supervisor: User, alerts: list[Alert]) -> None:
    url = reverse("alerts:acknowledge", args=[alerts[0].pk])
    response = client_for(supervisor).post(url, headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="alert-{alerts[0].pk}"')
    assert "Acknowledged by Sam" in body
    assert "hx-post" not in body
    alerts[0].refresh_from_db()
    assert alerts[0].acknowledged_by == supervisor


def test_plain_post_acknowledges_and_redirects(admin_user: User, alerts: list[Alert]) -> None:
    client = client_for(admin_user)
    response = client.post(reverse("alerts:acknowledge", args=[alerts[1].pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("alerts:list")
    assert "1 open alert" in client.get(reverse("alerts:list")).content.decode()


def test_unknown_alert_is_404_and_get_is_405(supervisor: User, alerts: list[Alert]) -> None:
    client = client_for(supervisor)
    assert client.post(reverse("alerts:acknowledge", args=[987654])).status_code == 404
    assert client.get(reverse("alerts:acknowledge", args=[alerts[0].pk])).status_code == 405


def test_acknowledge_needs_csrf(supervisor: User, alerts: list[Alert]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    url = reverse("alerts:acknowledge", args=[alerts[0].pk])
    assert client.post(url, headers=HTMX).status_code == 403


def test_escalation_alerts_are_listed_filtered_and_translated(supervisor: User) -> None:
    make_alert(kind=AlertKind.ESCALATION_RATE_HIGH, message="escalation_rate of agent cora")
    make_alert(kind=AlertKind.TEAM_ESCALATION_RATE_HIGH, message="escalation_rate of team EU")
    client = client_for(supervisor)
    body = client.get(reverse("alerts:list"), {"kind": "escalation_rate_high"}).content.decode()
    assert "escalation_rate of agent cora" in body
    assert "escalation_rate of team EU" not in body
    assert "High escalation rate" in body
    assert '<option value="team_escalation_rate_high">High team escalation rate</option>' in body
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("alerts:list")).content.decode()
    assert "升级率过高" in body
    assert "团队升级率过高" in body
