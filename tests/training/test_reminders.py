"""Certification expiry reminders (docs/training.md, "Expiry reminders"): the agent and
their supervisors are told once per award and threshold, in the app and by email as each
chose; a second run (or the task twice) sends nothing more; the expired state shows on the
training pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.utils import timezone

from afterdesk.accounts.models import Role, Team, User
from afterdesk.notifications.models import Notification, NotificationKind
from afterdesk.notifications.services import preferences_set
from afterdesk.training.models import AgentCertification, Certification, CertificationReminder
from afterdesk.training.services.certifications import (
    award_grant,
    award_revoke,
    certification_save,
)
from afterdesk.training.services.reminders import expiry_reminders_send, reminder_days
from afterdesk.training.tasks import certification_reminders_periodic
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., Any]


@pytest.fixture
def lead(team: Team) -> User:
    return UserFactory(username="lea", role=Role.SUPERVISOR, teams=[team], email="lea@example.com")


@pytest.fixture
def cert() -> Certification:
    return certification_save(name="Returns specialist", valid_days=365)


def granted(agent: User, cert: Certification, *, days_left: float, by: User) -> AgentCertification:
    """An award that expires `days_left` days from now."""
    assert cert.valid_days is not None
    earned = timezone.now() - timedelta(days=cert.valid_days - days_left)
    return award_grant(user=agent, certification=cert, by=by, now=earned)


def reminders_of(kind: str = NotificationKind.CERTIFICATION_EXPIRY) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind=kind).values_list("recipient__username", "title")
    )


def test_the_agent_and_their_supervisor_are_reminded_once(
    agent: User,
    lead: User,
    supervisor: User,
    cert: Certification,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    agent.email = "anna@example.com"
    agent.save(update_fields=["email"])
    award = granted(agent, cert, days_left=20, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        assert expiry_reminders_send() == 1
    date = timezone.localtime(award.expires_at).date().isoformat()  # type: ignore[arg-type]
    assert reminders_of() == [
        ("anna", f"Your certification Returns specialist expires on {date}"),
        ("lea", f"{agent}'s certification Returns specialist expires on {date}"),
    ]
    # The team's supervisor, not every supervisor (the agent's team has one).
    assert not Notification.objects.filter(recipient=supervisor).exists()
    assert sorted(m.to[0] for m in mail.outbox) == ["anna@example.com", "lea@example.com"]
    assert list(CertificationReminder.objects.values_list("award_id", "days_before")) == [
        (award.pk, 30)
    ]
    # The daily task again (twice): nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert certification_reminders_periodic.call_local() == 0
        assert certification_reminders_periodic.call_local() == 0
    assert Notification.objects.filter(kind=NotificationKind.CERTIFICATION_EXPIRY).count() == 2
    assert len(mail.outbox) == 2


def test_a_person_who_turned_the_email_off_gets_it_in_the_app_only(
    agent: User,
    lead: User,
    supervisor: User,
    cert: Certification,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    kinds = [k for k in NotificationKind.values if k != NotificationKind.CERTIFICATION_EXPIRY]
    preferences_set(user=lead, email_kinds=kinds)
    granted(agent, cert, days_left=10, by=supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        expiry_reminders_send()
    row = Notification.objects.get(recipient=lead)
    assert row.email_to == ""
    assert Notification.objects.get(recipient=agent).email_to == agent.email
    assert [m.to for m in mail.outbox] == [[agent.email]]


def test_each_threshold_is_sent_once_and_only_the_nearest_when_several_apply(
    agent: User, lead: User, supervisor: User, cert: Certification
) -> None:
    award = granted(agent, cert, days_left=20, by=supervisor)
    now = timezone.now()
    assert expiry_reminders_send(now=now, days=[7, 30]) == 1
    assert expiry_reminders_send(now=now + timedelta(days=5), days=[7, 30]) == 0
    assert expiry_reminders_send(now=now + timedelta(days=14), days=[7, 30]) == 1
    assert expiry_reminders_send(now=now + timedelta(days=15), days=[7, 30]) == 0
    assert sorted(
        CertificationReminder.objects.filter(award=award).values_list("days_before", flat=True)
    ) == [7, 30]
    assert Notification.objects.filter(recipient=agent).count() == 2
    # Found first at 5 days left (the task was down): one reminder, the 7 days one.
    other = granted(lead, cert, days_left=5, by=supervisor)
    assert expiry_reminders_send(now=now, days=[7, 30]) == 1
    assert list(
        CertificationReminder.objects.filter(award=other).values_list("days_before", flat=True)
    ) == [7]
    assert expiry_reminders_send(now=now, days=[7, 30]) == 0


def test_renewed_revoked_expired_far_and_endless_awards_are_not_reminded(
    agent: User, lead: User, supervisor: User, cert: Certification
) -> None:
    granted(agent, cert, days_left=10, by=supervisor)
    granted(agent, cert, days_left=300, by=supervisor)  # renewed: lasts longer
    revoked = granted(lead, cert, days_left=10, by=supervisor)
    award_revoke(award=revoked)
    granted(UserFactory(username="exp"), cert, days_left=-1, by=supervisor)  # expired
    granted(UserFactory(username="far"), cert, days_left=40, by=supervisor)
    endless = certification_save(name="Spanish B2")
    award_grant(user=agent, certification=endless, by=supervisor)
    inactive = UserFactory(username="gone", is_active=False)
    granted(inactive, cert, days_left=3, by=supervisor)
    assert expiry_reminders_send() == 0
    assert not Notification.objects.exists()


def test_the_thresholds_setting_is_checked() -> None:
    assert reminder_days("30, 7,30") == [7, 30]
    assert reminder_days([]) == []
    for bad in ("abc", "0", "400", "7.5", "-3"):
        with pytest.raises(ImproperlyConfigured):
            reminder_days(bad)
    with override_settings(AFTERDESK_CERTIFICATION_REMINDER_DAYS=["soon"]):
        assert [e.id for e in run_checks() if e.id.startswith("training.")] == ["training.E001"]
    with override_settings(AFTERDESK_CERTIFICATION_REMINDER_DAYS=[]):
        assert expiry_reminders_send() == 0


def test_the_pages_show_expiring_and_expired_certifications(
    agent: User, lead: User, supervisor: User, cert: Certification
) -> None:
    granted(agent, cert, days_left=-2, by=supervisor)
    spanish = certification_save(name="Spanish B2", valid_days=100)
    award = granted(agent, spanish, days_left=12, by=supervisor)
    expiry_reminders_send()
    client = Client()
    client.force_login(agent)
    page = client.get("/training/").content.decode()
    assert 'class="certification cert-expired"' in page
    assert "expired on" in page
    assert 'class="certification cert-expiring"' in page
    assert "expires soon" in page
    profile = client.get(f"/training/agents/{agent.username}/certifications/").content.decode()
    assert "cert-expired" in profile
    manager = Client()
    manager.force_login(lead)
    manage = manager.get("/training/manage/").content.decode()
    assert manage.count('<tr class="cert-expired">') == 1
    assert manage.count('<tr class="cert-expiring">') == 1
    assert "30 days before" in manage
    # Renewed: neither expired nor expiring any more.
    award_grant(user=agent, certification=spanish, by=supervisor)
    award_grant(user=agent, certification=cert, by=supervisor)
    page = client.get("/training/").content.decode()
    assert "cert-expired" not in page
    assert "cert-expiring" not in page
    assert award.pk
