"""The stall limits: settings that cannot be read stop the start with a message naming them
(a system check), and administrators set limits per market and carrier in the Django admin,
over the settings'."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from afterdesk.parcels.checks import stall_settings_check
from afterdesk.parcels.models import StallRule
from afterdesk.parcels.services.stalls import stall_rules, stalls_check
from tests.factories import UserFactory
from tests.parcels.test_stalls import NOW, parcel


@pytest.mark.parametrize(
    ("days", "overrides", "named"),
    [
        (7, "DE:dhl=5,*:ups=4,US:*=10", None),
        ("seven", "", "PARCELS_STALLED_DAYS"),
        (0, "", "PARCELS_STALLED_DAYS"),
        (7, "DE=5", "PARCELS_STALLED_OVERRIDES"),
        (7, "DE:dhl=five", "PARCELS_STALLED_OVERRIDES"),
        (7, "DE:dhl=0", "PARCELS_STALLED_OVERRIDES"),
    ],
)
def test_the_system_check_names_the_setting(
    settings: Any, days: Any, overrides: str, named: str | None
) -> None:
    settings.PARCELS_STALLED_DAYS = days
    settings.PARCELS_STALLED_OVERRIDES = overrides
    found = stall_settings_check()
    if named is None:
        assert found == []
        return
    (error,) = found
    assert error.id == "parcels.E001"
    assert error.msg.startswith(f"{named} cannot be read")
    assert "MARKET:carrier=DAYS" in (error.hint or "")
    with pytest.raises(SystemCheckError, match=r"parcels\.E001"):
        call_command("check")


def test_a_bad_setting_stops_the_worker_at_startup_with_its_message() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "afterdesk.settings",
        "PARCELS_STALLED_DAYS": "a week",
    }
    env.pop("HUEY_IMMEDIATE", None)
    done = subprocess.run(
        [sys.executable, "-m", "afterdesk.cli", "worker", "--no-periodic"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "parcels.E001" in done.stderr
    assert "PARCELS_STALLED_DAYS cannot be read: 'a week' is not a whole number" in done.stderr


@pytest.mark.django_db
def test_administrators_set_limits_per_market_and_carrier(client: Client, settings: Any) -> None:
    settings.PARCELS_STALLED_DAYS = 7
    settings.PARCELS_STALLED_OVERRIDES = "DE:dhl=5"
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    added = client.post(
        "/admin/parcels/stallrule/add/", {"market": " de ", "carrier": "DHL ", "days": "3"}
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    rule = StallRule.objects.get()
    assert (rule.market, rule.carrier, rule.days) == ("DE", "dhl", 3)
    refused = client.post(
        "/admin/parcels/stallrule/add/", {"market": "DE", "carrier": "dhl", "days": "0"}
    )
    assert refused.status_code == 200  # the form again, with its errors
    assert StallRule.objects.count() == 1
    twice = client.post(
        "/admin/parcels/stallrule/add/", {"market": "de", "carrier": "dhl", "days": "4"}
    )
    assert twice.status_code == 200
    assert StallRule.objects.count() == 1

    rules = stall_rules()
    assert rules.days_for("DE", "DHL") == 3  # the administrator's rule over the setting's 5
    assert rules.days_for("FR", "dhl") == 7
    StallRule.objects.create(market="*", carrier="*", days=10)
    assert stall_rules().days_for("FR", "dhl") == 10  # * / * replaces the default

    berlin = parcel(quiet_days=4, market="DE")
    parcel(quiet_days=4, market="FR")
    raised = stalls_check(now=NOW)
    assert [stall.shipment_id for stall in raised] == [berlin.pk]
    assert raised[0].quiet_days == 3
    assert raised[0].stalled_since == NOW - timedelta(days=1)
