"""The escalation-rate alerts: an agent (or team) whose escalations per handled ticket over the
rolling window are more than the threshold, or more than k × the median of their peers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from afterdesk.accounts.models import Team, User
from afterdesk.alerts.models import Alert, AlertKind, AlertSettings, Severity
from afterdesk.alerts.rules import escalation_window
from afterdesk.alerts.services import alerts_notify, alerts_sweep
from afterdesk.metrics.assignments import template_assign
from afterdesk.tickets import services
from tests.factories import TeamFactory, UserFactory

from .conftest import NOW, Mailbox, handled, settings_with, smtp_settings

pytestmark = pytest.mark.django_db

# NOW is Wed 14 Oct 2026 12:00 UTC: the 14-day window is [30 Sep 00:00, 14 Oct 00:00).
WINDOW_START = datetime(2026, 9, 30, 0, 0, tzinfo=UTC)
WINDOW_END = datetime(2026, 10, 14, 0, 0, tzinfo=UTC)
IN_WINDOW = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
ESCALATION = AlertKind.ESCALATION_RATE_HIGH
TEAM_ESCALATION = AlertKind.TEAM_ESCALATION_RATE_HIGH


def escalating(
    *, agent: User, handled_count: int, escalations: int, at: datetime = IN_WINDOW
) -> None:
    """`handled_count` tickets the agent replied to at `at`, `escalations` of them escalated by
    the agent: escalation_rate = escalations / handled_count (docs/metrics.md)."""
    for ticket in handled(agent=agent, at=at, count=handled_count)[:escalations]:
        services.ticket_escalate(ticket=ticket, by=agent, to="tier2", at=at + timedelta(minutes=7))


def loner(username: str, *, template: str | None = None) -> User:
    """An agent in no team, scored under `template` (a personal assignment) or none."""
    user = UserFactory(username=username, teams=[])
    if template is not None:
        template_assign(template_key=template, agent=user)
    return user


def summary(alerts: list[Alert]) -> list[tuple[str, str, str]]:
    """(kind, agent or team, severity), in the sweep's order: agents, then teams (by name)."""
    return [
        (
            a.kind,
            a.agent.username if a.agent else f"team {a.team.name if a.team else '?'}",
            a.severity,
        )
        for a in alerts
    ]


@pytest.fixture
def config() -> AlertSettings:
    """Threshold 0.25, peer comparison off, at least 4 handled tickets in the window."""
    return settings_with(
        escalation_rate_max="0.25", escalation_peer_factor="0", escalation_min_handled=4
    )


@pytest.fixture
def peers_config() -> AlertSettings:
    """Only the peer comparison: more than 2 × the median, at least 4 handled tickets."""
    return settings_with(
        escalation_rate_max="0", escalation_peer_factor="2", escalation_min_handled=4
    )


# ------------------------------------------------------------------ window


def test_window_is_the_last_complete_days() -> None:
    assert escalation_window(now=NOW, days=14) == (WINDOW_START, WINDOW_END)
    assert escalation_window(now=WINDOW_END, days=1) == (WINDOW_END - timedelta(days=1), WINDOW_END)


@override_settings(TIME_ZONE="Europe/Berlin")
def test_window_follows_the_desk_time_zone_across_a_dst_change() -> None:
    start, end = escalation_window(now=datetime(2026, 10, 28, 12, 0, tzinfo=UTC), days=7)
    # Local midnights: CEST (+2) on 21 Oct, CET (+1) on 28 Oct (clocks went back on 25 Oct).
    assert start.astimezone(UTC) == datetime(2026, 10, 20, 22, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2026, 10, 27, 23, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the threshold


def test_agent_above_threshold_alerts_with_its_team(agent: User, config: AlertSettings) -> None:
    escalating(agent=agent, handled_count=4, escalations=2)

    created = alerts_sweep(now=NOW, config=config)

    assert summary(created) == [
        (ESCALATION, "anna", Severity.WARNING),  # 0.5 is not more than twice 0.25
        (TEAM_ESCALATION, "team EU", Severity.WARNING),
    ]
    alert = created[0]
    assert alert.message == (
        "escalation_rate of agent anna was 0.500 per handled ticket (2 escalations, 4 handled "
        "tickets, 2026-09-30 to 2026-10-13): more than the threshold 0.250."
    )
    assert alert.dedupe_key == f"escalation_rate_high:agent:{agent.pk}:2026-10-14T00:00:00+00:00"
    assert (alert.period_start, alert.period_end) == (WINDOW_START, WINDOW_END)
    assert alert.figures == {
        "kpi": "escalation_rate",
        "value": 0.5,
        "escalations": 2,
        "handled": 4,
        "threshold": 0.25,
        "factor": None,
        "peer_median": None,
        "peer_limit": None,
        "peers": 0,
        "above_threshold": True,
        "above_peers": False,
        "min_handled": 4,
        "window_days": 14,
        "template": None,
        "template_name": None,
    }
    assert created[1].figures["members"] == 1


def test_exactly_at_threshold_does_not_alert(agent: User, config: AlertSettings) -> None:
    escalating(agent=agent, handled_count=4, escalations=1)  # 0.25 exactly
    assert alerts_sweep(now=NOW, config=config) == []


def test_more_than_twice_the_threshold_is_critical(agent: User, config: AlertSettings) -> None:
    escalating(agent=agent, handled_count=4, escalations=3)  # 0.75 > 2 × 0.25
    assert [a.severity for a in alerts_sweep(now=NOW, config=config)] == [Severity.CRITICAL] * 2


@pytest.mark.parametrize(("handled_count", "alerts"), [(3, 0), (4, 1)])
def test_minimum_handled_tickets(config: AlertSettings, handled_count: int, alerts: int) -> None:
    escalating(agent=loner("cora"), handled_count=handled_count, escalations=3)
    assert len(alerts_sweep(now=NOW, config=config)) == alerts


@pytest.mark.parametrize(
    ("at", "alerts"),
    [
        (WINDOW_START, 1),  # the window's first instant counts
        (WINDOW_START - timedelta(hours=1), 0),  # the day before does not
        (WINDOW_END, 0),  # today is not in the window yet
    ],
)
def test_only_the_window_counts(config: AlertSettings, at: datetime, alerts: int) -> None:
    cora = loner("cora")
    # The replies are 5 minutes after `at`, the escalations 7.
    escalating(agent=cora, handled_count=4, escalations=4, at=at - timedelta(minutes=5))
    assert len(alerts_sweep(now=NOW, config=config)) == alerts


def test_both_comparisons_off_raise_nothing(agent: User) -> None:
    config = settings_with(
        escalation_rate_max="0", escalation_peer_factor="0", escalation_min_handled=1
    )
    escalating(agent=agent, handled_count=4, escalations=4)
    assert alerts_sweep(now=NOW, config=config) == []


# ------------------------------------------------------------------ k × the peers' median


@pytest.mark.parametrize(
    ("bo_template", "expected"),
    [
        # bo is no peer of the first-line agents: their median for anna is 0.15 (0.1, 0.2),
        # 0.4 > 2 × 0.15. bo alone on gold_agent has no peers and the threshold is off.
        ("gold_agent", [(ESCALATION, "anna", Severity.WARNING)]),
        # On first_line bo's 0.9 lifts anna's median to 0.2: 0.4 is not more than 2 × 0.2.
        # bo: 0.9 > 2 × median(0.1, 0.2, 0.4) = 0.4, and more than twice that limit.
        ("first_line", [(ESCALATION, "bo", Severity.CRITICAL)]),
    ],
)
def test_peer_median_is_taken_within_the_template(
    peers_config: AlertSettings, bo_template: str, expected: list[tuple[str, str, str]]
) -> None:
    for name, escalations in (("pia", 1), ("paul", 2), ("anna", 4)):
        escalating(
            agent=loner(name, template="first_line"), handled_count=10, escalations=escalations
        )
    escalating(agent=loner("bo", template=bo_template), handled_count=10, escalations=9)

    created = alerts_sweep(now=NOW, config=peers_config)

    assert summary(created) == expected
    if bo_template == "gold_agent":
        alert = created[0]
        assert alert.message.endswith(
            "more than 2× the median 0.150 of 2 other agents on template first_line."
        )
        shown = ("peer_median", "peer_limit", "peers", "factor")
        assert {name: alert.figures[name] for name in shown} == {
            "peer_median": 0.15,
            "peer_limit": 0.3,
            "peers": 2,
            "factor": 2.0,
        }
        assert (alert.figures["template"], alert.figures["template_name"]) == (
            "first_line",
            "First-line agent",
        )
        assert (alert.figures["threshold"], alert.figures["above_threshold"]) == (None, False)


def test_threshold_and_peers_both_named(peers_config: AlertSettings) -> None:
    peers_config.escalation_rate_max = Decimal("0.3")
    for name, escalations in (("pia", 1), ("paul", 1), ("anna", 5)):
        escalating(
            agent=loner(name, template="first_line"), handled_count=10, escalations=escalations
        )
    [alert] = alerts_sweep(now=NOW, config=peers_config)
    assert alert.message.endswith(
        "more than the threshold 0.300 and more than 2× the median 0.100 of 2 other agents "
        "on template first_line."
    )
    assert alert.severity == Severity.CRITICAL  # 0.5 > 2 × 0.2 (the peer limit)
    assert (alert.figures["above_threshold"], alert.figures["above_peers"]) == (True, True)


def test_agent_without_template_is_compared_with_the_threshold_only(
    peers_config: AlertSettings,
) -> None:
    peers_config.escalation_rate_max = Decimal("0.5")
    for name, escalations in (("pia", 1), ("paul", 1)):
        escalating(
            agent=loner(name, template="first_line"), handled_count=10, escalations=escalations
        )
    # 0.4 would be far above the first-line median (0.1), but cora has no template: no peers.
    escalating(agent=loner("cora"), handled_count=10, escalations=4)
    # dan has no template either: above the threshold alone.
    escalating(agent=loner("dan"), handled_count=10, escalations=6)

    created = alerts_sweep(now=NOW, config=peers_config)

    assert summary(created) == [(ESCALATION, "dan", Severity.WARNING)]
    assert created[0].figures["template"] is None
    assert created[0].figures["peers"] == 0
    assert created[0].figures["peer_median"] is None


def test_a_median_needs_two_peers_with_enough_handled_tickets(peers_config: AlertSettings) -> None:
    escalating(agent=loner("pia", template="first_line"), handled_count=10, escalations=1)
    # paul's 3 tickets are fewer than the minimum of 4: he is no peer (and does not alert).
    escalating(agent=loner("paul", template="first_line"), handled_count=3, escalations=0)
    escalating(agent=loner("anna", template="first_line"), handled_count=10, escalations=8)
    assert alerts_sweep(now=NOW, config=peers_config) == []

    escalating(agent=loner("pete", template="first_line"), handled_count=10, escalations=1)
    [alert] = alerts_sweep(now=NOW, config=peers_config)
    assert (alert.agent.username, alert.figures["peers"]) == ("anna", 2)  # type: ignore[union-attr]


def test_a_median_of_zero_compares_nothing(peers_config: AlertSettings) -> None:
    for name in ("pia", "paul"):
        escalating(agent=loner(name, template="first_line"), handled_count=10, escalations=0)
    escalating(agent=loner("anna", template="first_line"), handled_count=10, escalations=1)
    assert alerts_sweep(now=NOW, config=peers_config) == []


# ------------------------------------------------------------------ teams


def test_team_rate_pools_its_members_and_agents_count_in_every_team(
    agent: User, team: Team, other_team: Team
) -> None:
    config = settings_with(
        escalation_rate_max="0.3", escalation_peer_factor="0", escalation_min_handled=4
    )
    ben = UserFactory(username="ben", teams=[team, other_team])
    escalating(agent=agent, handled_count=4, escalations=1)  # 0.25: not above 0.3
    escalating(agent=ben, handled_count=4, escalations=2)  # 0.5
    # EU: (1 + 2) / (4 + 4) = 0.375; APAC (ben alone): 0.5
    created = alerts_sweep(now=NOW, config=config)
    assert summary(created) == [
        (ESCALATION, "ben", Severity.WARNING),
        (TEAM_ESCALATION, "team APAC", Severity.WARNING),
        (TEAM_ESCALATION, "team EU", Severity.WARNING),
    ]
    eu = created[2]
    assert (eu.figures["escalations"], eu.figures["handled"], eu.figures["members"]) == (3, 8, 2)
    assert eu.figures["value"] == 0.375
    assert eu.message.startswith(
        "escalation_rate of team EU was 0.375 per handled ticket (3 escalations, 8 handled tickets"
    )
    assert "template" not in eu.figures


def test_team_above_k_times_the_median_of_the_other_teams(peers_config: AlertSettings) -> None:
    for name, escalations in (("north", 1), ("south", 2), ("west", 4)):
        member = UserFactory(username=f"{name}-agent", teams=[TeamFactory(name=name)])
        escalating(agent=member, handled_count=10, escalations=escalations)
    # A team whose members handled too few tickets neither alerts nor counts as a peer.
    tiny = UserFactory(username="tiny-agent", teams=[TeamFactory(name="tiny")])
    escalating(agent=tiny, handled_count=3, escalations=3)

    created = alerts_sweep(now=NOW, config=peers_config)

    # The agents have no template: no peer comparison for them, and the threshold is off.
    assert summary(created) == [(TEAM_ESCALATION, "team west", Severity.WARNING)]
    assert created[0].message.endswith("more than 2× the median 0.150 of 2 other teams.")


# ------------------------------------------------------------------ once per window


def test_sweep_is_idempotent_and_waits_for_a_window_without_the_old_escalations(
    config: AlertSettings,
) -> None:
    cora = loner("cora")
    escalating(agent=cora, handled_count=4, escalations=2)
    assert len(alerts_sweep(now=NOW, config=config)) == 1
    assert alerts_sweep(now=NOW, config=config) == []  # the same run again
    assert alerts_sweep(now=NOW + timedelta(hours=11), config=config) == []  # later that day
    # The next days' windows still hold the same escalations: no new alert while they overlap
    # the window that alerted, even after it was acknowledged.
    Alert.objects.update(acknowledged_at=NOW)
    assert alerts_sweep(now=NOW + timedelta(days=1), config=config) == []
    assert alerts_sweep(now=NOW + timedelta(days=13), config=config) == []
    # New escalations in a window after the alerted one: a new alert.
    escalating(agent=cora, handled_count=4, escalations=2, at=WINDOW_END + timedelta(days=3))
    later = alerts_sweep(now=NOW + timedelta(days=14), config=config)
    assert [(a.agent, a.period_start) for a in later] == [(cora, WINDOW_END)]
    assert Alert.objects.count() == 2


def test_two_sweeps_of_one_day_store_one_alert_even_with_the_other_missing(
    config: AlertSettings,
) -> None:
    """Dedupe keys: a sweep that does not see the other's alert (a concurrent one, say) still
    stores the alert once."""
    escalating(agent=loner("cora"), handled_count=4, escalations=2)
    [first] = alerts_sweep(now=NOW, config=config)
    Alert.objects.filter(pk=first.pk).update(period_end=WINDOW_START)  # hide it from the rule
    assert alerts_sweep(now=NOW + timedelta(hours=1), config=config) == []
    assert Alert.objects.count() == 1


def test_the_supervisors_are_mailed_once(
    smtp_server: Mailbox, supervisor: User, config: AlertSettings
) -> None:
    escalating(agent=loner("cora"), handled_count=4, escalations=2)
    with override_settings(**smtp_settings(smtp_server.port)):
        alerts_sweep(now=NOW, config=config)
        assert len(alerts_notify()) == 1
        alerts_sweep(now=NOW + timedelta(hours=2), config=config)
        assert alerts_notify() == []
    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert received.recipients == [supervisor.email]
    mail = received.message
    assert mail["Subject"] == "[Afterdesk] New alert: High escalation rate"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert (
        "- [Warning] High escalation rate: escalation_rate of agent cora was 0.500 per handled "
        "ticket" in body
    )
