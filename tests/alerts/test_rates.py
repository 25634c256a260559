"""Week-over-week complaint and reopen rate rises and SLA compliance drops."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.alerts.models import Alert, AlertKind, AlertSettings, Severity
from afterdesk.alerts.services import alerts_sweep
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.metrics.services import template_save
from afterdesk.metrics.templates import DEFAULT_TEMPLATE_JSON
from tests.factories import UserFactory

from .conftest import LAST_WEEK, NOW, THIS_WEEK, first_replies, handled, resolved, settings_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def config() -> AlertSettings:
    """Thresholds of +0.25 and a minimum n of 4, so small datasets hit the boundaries."""
    return settings_with(
        complaint_rate_rise="0.25", reopen_rate_rise="0.25", sla_drop="0.25", min_n=4
    )


def kinds(alerts: list[Alert]) -> list[tuple[str, str | None, str | None]]:
    """(kind, agent, team) in the order the sweep returns them: agents before teams."""
    return [
        (a.kind, a.agent.username if a.agent else None, a.team.name if a.team else None)
        for a in alerts
    ]


def test_complaint_rate_rise_above_threshold(agent: User, config: AlertSettings) -> None:
    handled(agent=agent, at=LAST_WEEK, count=4)
    handled(agent=agent, at=THIS_WEEK, count=4, complaints=2)

    created = alerts_sweep(now=NOW, config=config)

    assert kinds(created) == [
        (AlertKind.COMPLAINT_RATE_JUMP, "anna", None),
        (AlertKind.COMPLAINT_RATE_JUMP, None, "EU"),
    ]
    alert = next(a for a in created if a.agent_id)
    assert alert.severity == Severity.WARNING  # 0.5 is not more than twice 0.25
    assert alert.period_start.isoformat() == "2026-10-12T00:00:00+00:00"  # type: ignore[union-attr]
    assert alert.period_end.isoformat() == "2026-10-19T00:00:00+00:00"  # type: ignore[union-attr]
    assert alert.message == (
        "complaint_rate of agent anna rose from 0.000 per handled ticket (n=4, week of "
        "2026-10-05) to 0.500 per handled ticket (n=4, week of 2026-10-12): 0.500 up, "
        "threshold 0.250."
    )
    assert alert.figures["value"] == 0.5
    assert alert.figures["previous_value"] == 0.0
    assert alert.figures["n"] == alert.figures["previous_n"] == 4


def test_complaint_rise_exactly_at_threshold_does_not_fire(
    agent: User, config: AlertSettings
) -> None:
    handled(agent=agent, at=LAST_WEEK, count=4)
    handled(agent=agent, at=THIS_WEEK, count=4, complaints=1)  # +0.25 exactly
    assert alerts_sweep(now=NOW, config=config) == []


@pytest.mark.parametrize(("before", "now"), [(3, 4), (4, 3)])
def test_no_rate_alert_below_minimum_n(
    agent: User, config: AlertSettings, before: int, now: int
) -> None:
    handled(agent=agent, at=LAST_WEEK, count=before)
    handled(agent=agent, at=THIS_WEEK, count=now, complaints=now)
    assert alerts_sweep(now=NOW, config=config) == []


def test_no_rate_alert_without_last_weeks_figure(agent: User, config: AlertSettings) -> None:
    handled(agent=agent, at=THIS_WEEK, count=8, complaints=8)
    assert alerts_sweep(now=NOW, config=config) == []


def test_falling_complaint_rate_is_no_alert(agent: User, config: AlertSettings) -> None:
    handled(agent=agent, at=LAST_WEEK, count=4, complaints=4)
    handled(agent=agent, at=THIS_WEEK, count=4)
    assert alerts_sweep(now=NOW, config=config) == []


def test_team_rate_pools_its_members(agent: User, team: Team, config: AlertSettings) -> None:
    ben = UserFactory(username="ben", teams=[team])
    for member in (agent, ben):
        handled(agent=member, at=LAST_WEEK, count=4)
    handled(agent=agent, at=THIS_WEEK, count=4, complaints=2)  # anna 0 → 0.5
    handled(agent=ben, at=THIS_WEEK, count=4)  # team 0 → 2/8 = 0.25: not more than 0.25
    assert kinds(alerts_sweep(now=NOW, config=config)) == [
        (AlertKind.COMPLAINT_RATE_JUMP, "anna", None)
    ]


def test_reopen_rate_rise(agent: User, config: AlertSettings) -> None:
    resolved(agent=agent, at=LAST_WEEK, count=4)
    resolved(agent=agent, at=THIS_WEEK, count=4, reopened=3)
    created = alerts_sweep(now=NOW, config=config)
    assert kinds(created) == [
        (AlertKind.REOPEN_RATE_JUMP, "anna", None),
        (AlertKind.REOPEN_RATE_JUMP, None, "EU"),
    ]
    alert = created[0]
    assert alert.severity == Severity.CRITICAL  # +0.75 is more than twice 0.25
    assert "reopen_rate of agent anna rose from 0.0% (n=4" in alert.message
    assert "to 75.0% (n=4, week of 2026-10-12): 75.0 points up, threshold 25.0 points." in (
        alert.message
    )


def test_reopen_rise_at_threshold_does_not_fire(agent: User, config: AlertSettings) -> None:
    resolved(agent=agent, at=LAST_WEEK, count=4)
    resolved(agent=agent, at=THIS_WEEK, count=4, reopened=1)
    assert alerts_sweep(now=NOW, config=config) == []


def test_sla_compliance_drop(agent: User, config: AlertSettings) -> None:
    first_replies(agent=agent, at=LAST_WEEK, count=4)
    first_replies(agent=agent, at=THIS_WEEK, count=4, late=2)
    created = alerts_sweep(now=NOW, config=config)
    assert kinds(created) == [(AlertKind.SLA_DROP, "anna", None), (AlertKind.SLA_DROP, None, "EU")]
    assert "sla_first_reply_rate of agent anna fell from 100.0% (n=4" in created[0].message
    assert created[0].figures["change"] == -0.5


def test_sla_drop_at_threshold_does_not_fire_and_a_rise_never(
    agent: User, config: AlertSettings
) -> None:
    first_replies(agent=agent, at=LAST_WEEK, count=4)
    first_replies(agent=agent, at=THIS_WEEK, count=4, late=1)  # 1.0 → 0.75: exactly −0.25
    assert alerts_sweep(now=NOW, config=config) == []


def test_sla_targets_come_from_the_configured_template(agent: User, config: AlertSettings) -> None:
    first_replies(agent=agent, at=LAST_WEEK, count=4)
    first_replies(agent=agent, at=THIS_WEEK, count=4, late=2)
    lenient = {**DEFAULT_TEMPLATE_JSON, "id": "lenient", "name": "Lenient"}
    lenient["first_reply_target"] = {"normal": 720}
    template_save(definition=lenient)
    config.template_key = "lenient"
    assert alerts_sweep(now=NOW, config=config) == []  # 600 minutes meets 720


def test_unknown_template_is_an_error(config: AlertSettings) -> None:
    config.template_key = "nope"
    with pytest.raises(NotFound):
        alerts_sweep(now=NOW, config=config)


def test_sweep_is_idempotent(agent: User, config: AlertSettings) -> None:
    handled(agent=agent, at=LAST_WEEK, count=4)
    handled(agent=agent, at=THIS_WEEK, count=4, complaints=2)
    first = alerts_sweep(now=NOW, config=config)
    assert len(first) == 2
    assert alerts_sweep(now=NOW, config=config) == []
    assert alerts_sweep(now=NOW + timedelta(days=2), config=config) == []
    assert Alert.objects.count() == 2


def test_sweep_after_downtime_catches_up_on_the_last_complete_week(
    agent: User, config: AlertSettings
) -> None:
    handled(agent=agent, at=LAST_WEEK, count=4)
    handled(agent=agent, at=THIS_WEEK, count=4, complaints=2)
    # No sweep ran during the week of 12 Oct; the first one runs the next Tuesday.
    late = alerts_sweep(now=NOW + timedelta(days=6), config=config)
    assert {a.period_start.date().isoformat() for a in late} == {"2026-10-12"}  # type: ignore[union-attr]
    # An old sweep replayed (say, a queued job) finds them stored already.
    assert alerts_sweep(now=NOW, config=config) == []


def test_now_needs_a_time_zone() -> None:
    with pytest.raises(ValidationError) as caught:
        alerts_sweep(now=NOW.replace(tzinfo=None))
    assert caught.value.field == "now"
