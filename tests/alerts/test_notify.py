"""The periodic task and the supervisors' email, against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from afterdesk.accounts.models import Role, Team, User
from afterdesk.alerts.models import Alert, AlertKind
from afterdesk.alerts.services import MAIL_LIST_LIMIT, alert_mail, alerts_notify
from afterdesk.alerts.tasks import alerts_sweep_periodic
from tests.factories import UserFactory

from .conftest import Mailbox, free_port, make_alert, open_ticket, smtp_settings, solved_ticket

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


@pytest.fixture
def long_open_ticket(team: Team, agent: User) -> int:
    """A ticket open for 3 days in a team that solves tickets in an hour (real now: the
    periodic task sweeps at timezone.now())."""
    now = timezone.now()
    solved_ticket(agent=agent, team=team, created=now - timedelta(days=2), minutes=60)
    return open_ticket(team=team, created=now - timedelta(days=3), subject="Broken zip").pk


@pytest.fixture
def recipients(supervisor: User, admin_user: User) -> list[str]:
    UserFactory(username="mute", role=Role.SUPERVISOR, email="")
    UserFactory(username="gone", role=Role.ADMIN, is_active=False)
    return sorted([supervisor.email, admin_user.email])


@pytest.mark.usefixtures("agent")
def test_periodic_sweep_mails_supervisors_once_after_commit(
    smtp_server: Mailbox,
    long_open_ticket: int,
    recipients: list[str],
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    with (
        override_settings(**smtp_settings(smtp_server.port)),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert alerts_sweep_periodic.call_local() == 1
        assert smtp_server.messages == []  # nothing is sent before the commit
    assert len(callbacks) == 1

    assert len(smtp_server.messages) == 1
    received = smtp_server.messages[0]
    assert sorted(received.recipients) == recipients == ["ada@example.com", "sam@example.com"]
    assert received.envelope_from == "alerts@desk.example"
    mail = received.message
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["From"] == "Afterdesk <alerts@desk.example>"
    assert mail["Subject"] == "[Afterdesk] New alert: Long-open conversation"
    assert sorted(mail["To"].split(", ")) == recipients
    body = mail.get_payload(decode=True).decode()
    assert f"Ticket #{long_open_ticket} “Broken zip” (team EU" in body
    alert = Alert.objects.get()
    assert alert.notified_at is not None

    # Sweeping and notifying again sends nothing: no new alert, the old one is notified.
    with (
        override_settings(**smtp_settings(smtp_server.port)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert alerts_sweep_periodic.call_local() == 0
        assert alerts_notify() == []
    assert len(smtp_server.messages) == 1


@pytest.mark.usefixtures("recipients")
def test_one_message_per_batch(smtp_server: Mailbox) -> None:
    make_alert(message="first")
    make_alert(kind=AlertKind.SLA_DROP, message="second")
    make_alert(message="seen already", acknowledged_at=timezone.now())
    with override_settings(**smtp_settings(smtp_server.port)):
        sent = alerts_notify()
    assert [a.message for a in sent] == ["first", "second"]
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0].message
    assert mail["Subject"] == "[Afterdesk] 2 new alerts"
    body = mail.get_payload(decode=True).decode()
    assert "- [Warning] Complaint rate jump: first" in body
    assert "- [Warning] SLA compliance drop: second" in body
    assert "seen already" not in body


@pytest.mark.usefixtures("recipients")
def test_failed_send_keeps_the_alerts_for_the_next_run(smtp_server: Mailbox) -> None:
    alert = make_alert()
    with (
        override_settings(**smtp_settings(free_port())),  # nobody listens there
        pytest.raises((OSError, smtplib.SMTPException)),
    ):
        alerts_notify()
    alert.refresh_from_db()
    assert alert.notified_at is None

    with override_settings(**smtp_settings(smtp_server.port)):
        assert [a.pk for a in alerts_notify()] == [alert.pk]
    assert len(smtp_server.messages) == 1


@pytest.mark.usefixtures("agent")
def test_no_recipient_sends_nothing_and_keeps_alerts(
    smtp_server: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    alert = make_alert()
    with (
        override_settings(**smtp_settings(smtp_server.port)),
        caplog.at_level(logging.WARNING),
    ):
        assert alerts_notify() == []
    assert smtp_server.messages == []
    assert "no supervisor or admin has an email" in caplog.text
    alert.refresh_from_db()
    assert alert.notified_at is None


def test_long_batches_are_cut_in_the_mail() -> None:
    alerts = [Alert(kind=AlertKind.LONG_OPEN, message=f"m{i}") for i in range(MAIL_LIST_LIMIT + 3)]
    mail = alert_mail(alerts=alerts, recipients=["sam@example.com"])
    assert mail.subject == f"[Afterdesk] {MAIL_LIST_LIMIT + 3} new alerts"
    assert f"m{MAIL_LIST_LIMIT - 1}\n" in mail.body
    assert f"m{MAIL_LIST_LIMIT}\n" not in mail.body
    assert "… and 3 more." in mail.body


@pytest.mark.usefixtures("recipients")
def test_alerts_claimed_by_another_run_are_skipped_until_the_claim_expires(
    smtp_server: Mailbox,
) -> None:
    from datetime import timedelta

    from afterdesk.alerts.services import NOTIFY_CLAIM_TIMEOUT

    alert = make_alert()
    alert.notify_claimed_at = timezone.now()
    alert.save(update_fields=["notify_claimed_at"])
    with override_settings(**smtp_settings(smtp_server.port)):
        assert alerts_notify() == []
        alert.notify_claimed_at = timezone.now() - NOTIFY_CLAIM_TIMEOUT - timedelta(seconds=1)
        alert.save(update_fields=["notify_claimed_at"])
        assert [a.pk for a in alerts_notify()] == [alert.pk]
    assert len(smtp_server.messages) == 1
