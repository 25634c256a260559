"""Changing the alert thresholds: the service (admins only, every value checked), the settings
page on the alerts pages, and the Django admin."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.alerts.models import AlertSettings
from afterdesk.alerts.services import alert_settings_update
from afterdesk.core.errors import PermissionDenied, ValidationError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/alerts/settings/"


def form_data(**changes: Any) -> dict[str, Any]:
    """The settings form as the page posts it: the stored values, with `changes`."""
    current = AlertSettings.load()
    data = {
        name: getattr(current, name)
        for name in (
            "long_open_factor",
            "long_open_window_days",
            "complaint_rate_rise",
            "reopen_rate_rise",
            "sla_drop",
            "min_n",
            "template_key",
            "escalation_window_days",
            "escalation_rate_max",
            "escalation_peer_factor",
            "escalation_min_handled",
        )
    }
    return {**data, **changes}


def test_defaults() -> None:
    config = AlertSettings.load()
    assert config.escalation_window_days == 14
    assert config.escalation_rate_max == Decimal("0.25")
    assert config.escalation_peer_factor == Decimal("2.00")
    assert config.escalation_min_handled == 20


def test_admin_changes_the_escalation_settings(admin_user: User) -> None:
    alert_settings_update(
        by=admin_user,
        escalation_window_days=7,
        escalation_rate_max=Decimal("0.4"),
        escalation_peer_factor=Decimal("0"),
        escalation_min_handled=5,
    )
    config = AlertSettings.load()
    assert (
        config.escalation_window_days,
        config.escalation_rate_max,
        config.escalation_peer_factor,
        config.escalation_min_handled,
    ) == (7, Decimal("0.4"), Decimal("0"), 5)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"escalation_peer_factor": Decimal("0.5")}, "escalation_peer_factor"),  # 0 or ≥ 1
        ({"escalation_peer_factor": Decimal("-1")}, "escalation_peer_factor"),
        ({"escalation_peer_factor": Decimal("101")}, "escalation_peer_factor"),
        ({"escalation_rate_max": Decimal("-0.1")}, "escalation_rate_max"),
        ({"escalation_rate_max": Decimal("10.5")}, "escalation_rate_max"),
        ({"escalation_rate_max": Decimal("0.12345")}, "escalation_rate_max"),  # 4 decimals
        ({"escalation_window_days": 0}, "escalation_window_days"),
        ({"escalation_window_days": 367}, "escalation_window_days"),
        ({"escalation_min_handled": 0}, "escalation_min_handled"),
        ({"template_key": "nope"}, "template_key"),
        ({"dedupe": 1}, "dedupe"),
    ],
)
def test_invalid_values_are_refused_and_nothing_changes(
    admin_user: User, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        alert_settings_update(by=admin_user, long_open_window_days=3, **changes)
    assert caught.value.field == field
    assert AlertSettings.load().long_open_window_days == 28  # the valid change is not kept


@pytest.mark.parametrize("factor", ["0", "1", "2.5", "100"])
def test_peer_factor_may_be_off_or_at_least_one(admin_user: User, factor: str) -> None:
    alert_settings_update(by=admin_user, escalation_peer_factor=Decimal(factor))
    assert AlertSettings.load().escalation_peer_factor == Decimal(factor)


@pytest.mark.parametrize("who", ["supervisor", "agent"])
def test_only_admins_change_settings(who: str, request: pytest.FixtureRequest) -> None:
    with pytest.raises(PermissionDenied):
        alert_settings_update(by=request.getfixturevalue(who), escalation_rate_max=Decimal("0.9"))
    retired = UserFactory(username="old-admin", role="admin", is_active=False)
    with pytest.raises(PermissionDenied):
        alert_settings_update(by=retired, escalation_rate_max=Decimal("0.9"))
    assert AlertSettings.load().escalation_rate_max == Decimal("0.25")


# ------------------------------------------------------------------ the settings page


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_settings_page_shows_the_form(admin_user: User, django_assert_num_queries: Any) -> None:
    AlertSettings.load()
    client = client_for(admin_user)
    with django_assert_num_queries(3):  # session, user, settings row
        response = client.get(SETTINGS_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Escalation rate: threshold per handled ticket (0: off)" in body
    assert 'name="escalation_peer_factor"' in body
    assert 'value="0.2500"' in body


def test_settings_page_saves(admin_user: User) -> None:
    client = client_for(admin_user)
    response = client.post(
        SETTINGS_URL, form_data(escalation_rate_max="0.3", escalation_window_days=28)
    )
    assert response.status_code == 302
    assert response["Location"] == SETTINGS_URL
    config = AlertSettings.load()
    assert (config.escalation_rate_max, config.escalation_window_days) == (Decimal("0.3"), 28)
    assert "Settings saved." in client.get(SETTINGS_URL).content.decode()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"escalation_peer_factor": "0.5"}, "Use 0 (off) or a factor of at least 1."),
        ({"escalation_window_days": "0"}, "greater than or equal to 1"),
        ({"template_key": "nope"}, "There is no scorecard template with this id."),
    ],
)
def test_settings_page_shows_errors(admin_user: User, changes: dict[str, str], error: str) -> None:
    response = client_for(admin_user).post(SETTINGS_URL, form_data(**changes))
    assert response.status_code == 200
    assert error in response.content.decode()
    config = AlertSettings.load()
    assert (config.escalation_peer_factor, config.escalation_window_days, config.template_key) == (
        Decimal("2.00"),
        14,
        "",
    )


def test_settings_page_in_chinese(admin_user: User) -> None:
    client = client_for(admin_user)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(SETTINGS_URL).content.decode()
    assert "预警设置" in body
    assert "升级率：每个已处理工单的阈值（0：关闭）" in body
    body = client.post(SETTINGS_URL, form_data(escalation_peer_factor="0.5")).content.decode()
    assert "请填写 0（关闭）或不小于 1 的倍数。" in body


@pytest.mark.parametrize("who", ["supervisor", "agent", "qa_reviewer"])
def test_settings_page_is_for_admins(who: str, request: pytest.FixtureRequest) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(SETTINGS_URL).status_code == 403
    assert client.post(SETTINGS_URL, form_data(escalation_rate_max="0.9")).status_code == 403
    assert AlertSettings.load().escalation_rate_max == Decimal("0.25")


def test_settings_page_needs_csrf(admin_user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert client.post(SETTINGS_URL, form_data(escalation_rate_max="0.9")).status_code == 403


def test_alerts_page_links_the_settings_for_admins(admin_user: User, supervisor: User) -> None:
    link = f'href="{SETTINGS_URL}"'
    assert link in client_for(admin_user).get(reverse("alerts:list")).content.decode()
    assert link not in client_for(supervisor).get(reverse("alerts:list")).content.decode()


def test_django_admin_edits_the_escalation_settings() -> None:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    AlertSettings.load()
    body = client_for(root).get("/admin/alerts/alertsettings/1/change/").content.decode()
    for name in (
        "escalation_window_days",
        "escalation_rate_max",
        "escalation_peer_factor",
        "escalation_min_handled",
    ):
        assert f'name="{name}"' in body
