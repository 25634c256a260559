"""Acknowledging an alert, and the settings row."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.alerts.models import AlertSettings
from afterdesk.alerts.services import alert_acknowledge
from afterdesk.core.errors import PermissionDenied

from .conftest import NOW, make_alert

pytestmark = pytest.mark.django_db


def test_acknowledge_records_who_and_when_once(supervisor: User, admin_user: User) -> None:
    alert = make_alert()
    done = alert_acknowledge(alert=alert, by=supervisor, at=NOW)
    assert (done.acknowledged_at, done.acknowledged_by) == (NOW, supervisor)
    again = alert_acknowledge(alert=alert, by=admin_user, at=NOW + timedelta(hours=1))
    assert (again.acknowledged_at, again.acknowledged_by) == (NOW, supervisor)


@pytest.mark.parametrize("who", ["agent", "qa_reviewer"])
def test_only_supervisors_and_admins_acknowledge(who: str, request: pytest.FixtureRequest) -> None:
    alert = make_alert()
    with pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, by=request.getfixturevalue(who))
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_settings_are_one_row() -> None:
    first = AlertSettings.load()
    assert (first.pk, first.long_open_factor, first.min_n) == (1, 2, 10)
    AlertSettings(min_n=3).save()  # e.g. the admin's add form
    assert AlertSettings.objects.count() == 1
    assert AlertSettings.load().min_n == 3
