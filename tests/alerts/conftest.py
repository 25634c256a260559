"""Builders for the alert tests: tickets with known facts, stored alerts, a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.alerts.models import Alert, AlertKind, AlertSettings
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.api.conftest import ApiClient
from tests.smtp import Mailbox, Received, free_port, smtp_server  # noqa: F401 - shared SMTP server
from tests.smtp import smtp_settings as shared_smtp_settings

# A Wednesday: the current week is Mon 12 Oct – Mon 19 Oct 2026 (TIME_ZONE is UTC).
NOW = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
THIS_WEEK = datetime(2026, 10, 12, 9, 0, tzinfo=UTC)
LAST_WEEK = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


def solved_ticket(*, agent: User, team: Team | None, created: datetime, minutes: float) -> Ticket:
    """A customer ticket of the team, answered and solved `minutes` after it came in."""
    ticket = services.ticket_create(subject="Late parcel", channel="email", body="?", at=created)
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, team=team, at=created)
    services.message_reply(
        ticket=ticket,
        by=agent,
        body="Sorry",
        status="solved",
        at=created + timedelta(minutes=minutes),
    )
    return ticket


def open_ticket(*, team: Team, created: datetime, subject: str = "Still waiting") -> Ticket:
    ticket = services.ticket_create(subject=subject, channel="email", body="Hello?", at=created)
    services.ticket_assign(ticket=ticket, by=None, agent=None, team=team, at=created)  # type: ignore[arg-type]
    ticket.refresh_from_db()
    return ticket


def handled(*, agent: User, at: datetime, count: int, complaints: int = 0) -> list[Ticket]:
    """`count` tickets the agent replied to at `at` (no team), `complaints` of them complained
    about: handled_volume = count, complaint_rate = complaints / count (docs/metrics.md)."""
    tickets = []
    for i in range(count):
        ticket = services.ticket_create(subject="Q", channel="chat", body="?", at=at)
        services.message_reply(ticket=ticket, by=agent, body="A", at=at + timedelta(minutes=5))
        if i < complaints:
            services.complaint_record(ticket=ticket, against=agent, at=at + timedelta(minutes=9))
        tickets.append(ticket)
    return tickets


def resolved(*, agent: User, at: datetime, count: int, reopened: int = 0) -> None:
    """`count` tickets the agent solved at about `at`, `reopened` of them reopened once by the
    customer and solved again (reopen_rate = reopened / count)."""
    for i in range(count):
        ticket = solved_ticket(agent=agent, team=None, created=at, minutes=10)
        if i < reopened:
            services.message_ingest(ticket=ticket, body="Not fixed", at=at + timedelta(minutes=20))
            services.message_reply(
                ticket=ticket, by=agent, body="Fixed", status="solved", at=at + timedelta(hours=1)
            )


def first_replies(*, agent: User, at: datetime, count: int, late: int = 0) -> None:
    """`count` normal-priority first replies, `late` of them after the 480-minute target."""
    for i in range(count):
        ticket = services.ticket_create(subject="Q", channel="email", body="?", at=at)
        minutes = 600 if i < late else 30
        services.message_reply(
            ticket=ticket, by=agent, body="A", at=at + timedelta(minutes=minutes)
        )


def settings_with(**changes: Any) -> AlertSettings:
    config = AlertSettings.load()
    for name, value in changes.items():
        setattr(config, name, Decimal(value) if isinstance(value, str) else value)
    config.save()
    return config


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    """A JSON API client for the user (bearer token), or an anonymous one."""

    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make


def make_alert(**fields: Any) -> Alert:
    defaults: dict[str, Any] = {
        "kind": AlertKind.COMPLAINT_RATE_JUMP,
        "message": "complaint_rate of agent anna rose",
        "created_at": NOW,
    }
    defaults.update(fields)
    defaults.setdefault("dedupe_key", f"test:{Alert.objects.count()}:{defaults['message']}")
    return Alert.objects.create(**defaults)


# ------------------------------------------------------------------ a real SMTP server
# The shared one (tests/smtp.py); the alerts are sent from alerts@.


def smtp_settings(port: int) -> dict[str, Any]:
    return shared_smtp_settings(port, sender="Afterdesk <alerts@desk.example>")
