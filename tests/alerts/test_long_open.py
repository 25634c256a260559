"""Long-open conversations: open longer than factor × the team's mean handling time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.alerts.models import Alert, AlertKind, Severity
from afterdesk.alerts.services import alerts_sweep
from afterdesk.tickets import services
from tests.factories import TeamFactory

from .conftest import NOW, open_ticket, settings_with, solved_ticket

pytestmark = pytest.mark.django_db

LIMIT = timedelta(minutes=180)  # 2 × mean(60, 120) minutes


@pytest.fixture
def baseline(team: Team, agent: User) -> None:
    """Team EU solved two tickets in the last 28 days, in 60 and 120 minutes."""
    solved_ticket(agent=agent, team=team, created=NOW - timedelta(days=3), minutes=60)
    solved_ticket(agent=agent, team=team, created=NOW - timedelta(days=2), minutes=120)


@pytest.mark.usefixtures("baseline")
def test_fires_just_past_twice_the_handling_time(team: Team) -> None:
    at_limit = open_ticket(team=team, created=NOW - LIMIT, subject="At the limit")
    past = open_ticket(team=team, created=NOW - LIMIT - timedelta(microseconds=1))

    created = alerts_sweep(now=NOW)

    assert [(a.kind, a.ticket_id, a.team_id) for a in created] == [
        (AlertKind.LONG_OPEN, past.pk, team.pk)
    ]
    alert = created[0]
    assert alert.severity == Severity.WARNING
    assert alert.created_at == NOW
    assert f"Ticket #{past.pk} “Still waiting” (team EU" in alert.message
    assert "average handling time of 1 h 30 min (2 tickets solved in the last 28 days" in (
        alert.message
    )
    assert alert.figures["team_mean_minutes"] == 90.0
    assert alert.figures["limit_minutes"] == 180.0
    assert not Alert.objects.filter(ticket=at_limit).exists()


@pytest.mark.usefixtures("baseline")
def test_solved_and_closed_tickets_never_alert_pending_ones_do(team: Team, agent: User) -> None:
    old = NOW - timedelta(days=5)
    pending = open_ticket(team=team, created=old)
    services.ticket_set_status(ticket=pending, by=agent, status="pending", at=old)
    for status in ("solved", "closed"):
        ticket = open_ticket(team=team, created=old)
        services.ticket_set_status(ticket=ticket, by=agent, status=status, at=NOW)

    created = alerts_sweep(now=NOW)

    assert [a.ticket_id for a in created] == [pending.pk]
    assert created[0].severity == Severity.CRITICAL  # more than twice the limit


def test_no_baseline_no_alert(team: Team, agent: User) -> None:
    # Solved just before the 28-day window: the team has no baseline.
    solved_ticket(agent=agent, team=team, created=NOW - timedelta(days=29), minutes=60)
    open_ticket(team=team, created=NOW - timedelta(days=20))
    assert alerts_sweep(now=NOW) == []


def test_window_starts_exactly_28_days_back(team: Team, agent: User) -> None:
    solved_ticket(agent=agent, team=team, created=NOW - timedelta(days=28, minutes=60), minutes=60)
    ticket = open_ticket(team=team, created=NOW - timedelta(days=1))
    assert [a.ticket_id for a in alerts_sweep(now=NOW)] == [ticket.pk]


@pytest.mark.usefixtures("baseline")
def test_other_teams_baseline_does_not_count(other_team: Team) -> None:
    open_ticket(team=other_team, created=NOW - timedelta(days=10))
    assert alerts_sweep(now=NOW) == []


@pytest.mark.usefixtures("baseline")
def test_ticket_without_team_never_alerts() -> None:
    services.ticket_create(subject="x", channel="email", body="?", at=NOW - timedelta(days=9))
    assert alerts_sweep(now=NOW) == []


@pytest.mark.usefixtures("baseline")
def test_factor_is_configurable(team: Team) -> None:
    open_ticket(team=team, created=NOW - LIMIT - timedelta(minutes=1))
    assert alerts_sweep(now=NOW, config=settings_with(long_open_factor="3.00")) == []
    three = open_ticket(team=team, created=NOW - timedelta(minutes=270, microseconds=1))
    assert [a.ticket_id for a in alerts_sweep(now=NOW)] == [three.pk]


@pytest.mark.usefixtures("baseline")
def test_once_per_open_spell_again_after_a_reopen(team: Team, agent: User) -> None:
    ticket = open_ticket(team=team, created=NOW - timedelta(days=1))
    assert len(alerts_sweep(now=NOW)) == 1
    assert alerts_sweep(now=NOW + timedelta(hours=1)) == []

    services.message_reply(ticket=ticket, by=agent, body="Done", status="solved", at=NOW)
    services.message_ingest(ticket=ticket, body="Not done", at=NOW + timedelta(hours=2))
    again = alerts_sweep(now=NOW + timedelta(hours=3))

    assert [a.dedupe_key for a in again] == [f"long_open:ticket:{ticket.pk}:spell:1"]
    assert Alert.objects.filter(ticket=ticket).count() == 2


def test_mean_uses_elapsed_resolution_time_of_the_window_only(agent: User) -> None:
    apac = TeamFactory(name="APAC")
    solved_ticket(agent=agent, team=apac, created=NOW - timedelta(days=40), minutes=10)
    solved_ticket(agent=agent, team=apac, created=NOW - timedelta(days=1), minutes=600)
    inside = open_ticket(team=apac, created=NOW - timedelta(minutes=1200, seconds=1))
    open_ticket(team=apac, created=NOW - timedelta(minutes=1199))
    assert [a.ticket_id for a in alerts_sweep(now=NOW)] == [inside.pk]
