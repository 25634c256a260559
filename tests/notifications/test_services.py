"""Storing notifications once per person and occasion, the email copies through a real SMTP
server, and each person's email choices."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import override_settings

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import ValidationError
from afterdesk.notifications import selectors, services
from afterdesk.notifications.models import Notification, NotificationKind
from afterdesk.notifications.services import EMAIL_MAX_TRIES, Draft
from tests.factories import UserFactory

from .conftest import Mailbox, smtp_settings

pytestmark = pytest.mark.django_db
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


def test_notify_stores_one_per_person_and_mails_after_commit(
    agent: User, supervisor: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notify(
            users=[agent, supervisor, agent],
            kind=NotificationKind.MENTION,
            title="Sam mentioned you on #12",
            body="@anna can you check?",
            url="/tickets/12/",
            ticket_id=12,
            dedupe_key="mention:1",
        )
        assert len(rows) == 2
        assert mail.outbox == []  # not before the commit
    assert sorted(m.to[0] for m in mail.outbox) == [agent.email, supervisor.email]
    assert mail.outbox[0].subject == "[Afterdesk] Sam mentioned you on #12"
    assert "/tickets/12/" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 2


def test_the_same_occasion_twice_notifies_once(
    agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(
                users=[agent], kind=NotificationKind.ESCALATION, title="T", dedupe_key="k:1"
            )
    assert Notification.objects.filter(recipient=agent).count() == 1
    assert len(mail.outbox) == 1


def test_the_database_keeps_one_row_per_person_and_occasion(agent: User) -> None:
    """What a concurrent run of the same occasion relies on: the read of who was told may miss
    a row stored meanwhile, the unique (recipient, dedupe_key) does not (the insert skips it)."""
    services.notify(users=[agent], kind=NotificationKind.ESCALATION, title="T", dedupe_key="k:1")
    row = Notification.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=agent,
            kind=row.kind,
            title="again",
            dedupe_key="k:1",
            created_at=row.created_at,
        )
    twin = Notification(
        recipient=agent, kind=row.kind, title="again", dedupe_key="k:1", created_at=row.created_at
    )
    Notification.objects.bulk_create([twin], ignore_conflicts=True)
    # Without a key nothing is deduplicated: two plain notifications are two.
    services.notify(users=[agent], kind=NotificationKind.ESCALATION, title="T")
    services.notify(users=[agent], kind=NotificationKind.ESCALATION, title="T")
    assert Notification.objects.count() == 3


def test_the_actor_and_inactive_people_are_left_out(agent: User, supervisor: User) -> None:
    gone = UserFactory(username="gone", is_active=False)
    rows = services.notify(
        users=[agent, supervisor, gone], kind=NotificationKind.MENTION, title="T", actor=agent
    )
    assert [r.recipient for r in rows] == [supervisor]


def test_email_off_for_a_kind_keeps_the_in_app_one(
    agent: User, django_capture_on_commit_callbacks: OnCommit
) -> None:
    services.preferences_set(user=agent, email_kinds=[NotificationKind.ESCALATION])
    assert selectors.preferences_of(user=agent)[NotificationKind.MENTION] is False
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[agent], kind=NotificationKind.MENTION, title="muted")
        services.notify(users=[agent], kind=NotificationKind.ESCALATION, title="mailed")
    assert Notification.objects.filter(recipient=agent).count() == 2
    assert [m.subject for m in mail.outbox] == ["[Afterdesk] mailed"]


def test_no_address_no_email(django_capture_on_commit_callbacks: OnCommit) -> None:
    person = UserFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(users=[person], kind=NotificationKind.MENTION, title="T")
    assert Notification.objects.get().email_to == ""
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"title": "  "}, "title"),
        ({"url": "https://evil.example/"}, "url"),
        ({"url": "//evil.example/"}, "url"),
    ],
)
def test_bad_drafts_are_refused(agent: User, fields: dict[str, str], field: str) -> None:
    values = {"kind": NotificationKind.MENTION, "title": "T", **fields}
    with pytest.raises(ValidationError) as error:
        services.notify(users=[agent], **values)
    assert error.value.field == field
    assert not Notification.objects.exists()


def test_many_drafts_cost_three_queries(
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    people = [UserFactory() for _ in range(5)]
    drafts = [
        Draft(
            users=people, kind=NotificationKind.SLA_BREACH, title=f"breach {i}", dedupe_key=f"b:{i}"
        )
        for i in range(10)
    ]
    with django_assert_num_queries(3):  # told already, email choices, one insert
        services.notifications_create(drafts)
    assert Notification.objects.count() == 50


def test_a_sweeps_worth_of_drafts_in_one_call(agent: User) -> None:
    """1,500 occasions at once (a sweep's batch is 500): no query grows with them in depth."""
    drafts = [
        Draft(users=[agent], kind=NotificationKind.SLA_BREACH, title="b", dedupe_key=f"b:{i}")
        for i in range(1500)
    ]
    assert len(services.notifications_create(drafts, email=False)) == 1500
    assert services.notifications_create(drafts, email=False) == []
    assert Notification.objects.count() == 1500


def test_emails_through_smtp_and_a_failure_is_retried(
    smtp_server: Mailbox, agent: User, supervisor: User
) -> None:
    with override_settings(**smtp_settings(smtp_server.port)):
        services.notify(
            users=[agent, supervisor], kind=NotificationKind.MENTION, title="Hello", url="/t/1/"
        )
        smtp_server.refuse = True
        assert services.notification_emails_send() == 0
        failed = Notification.objects.get(recipient=agent)
        assert failed.emailed_at is None
        assert failed.email_tries == 1
        assert failed.email_error
        smtp_server.refuse = False
        assert services.notification_emails_send() == 2
        assert services.notification_emails_send() == 0  # stamped: never twice
    assert sorted(m.recipients[0] for m in smtp_server.messages) == [agent.email, supervisor.email]
    message = smtp_server.messages[0].message
    assert message["Subject"] == "[Afterdesk] Hello"
    assert "https://desk.example/t/1/" in message.get_payload()


def test_an_email_that_keeps_failing_stops_after_the_tries(
    smtp_server: Mailbox, agent: User
) -> None:
    smtp_server.refuse = True
    with override_settings(**smtp_settings(smtp_server.port)):
        services.notify(users=[agent], kind=NotificationKind.MENTION, title="Hello")
        for _ in range(EMAIL_MAX_TRIES + 2):
            services.notification_emails_send()
    row = Notification.objects.get()
    assert row.email_tries == EMAIL_MAX_TRIES
    assert row.emailed_at is None
    assert row.read_at is None  # the in-app notification stays


def test_mark_read_and_all(agent: User) -> None:
    for i in range(3):
        services.notify(users=[agent], kind=NotificationKind.MENTION, title=f"T{i}")
    first = Notification.objects.filter(recipient=agent).first()
    assert first is not None
    services.notification_mark_read(notification=first)
    stamp = Notification.objects.get(pk=first.pk).read_at
    services.notification_mark_read(notification=Notification.objects.get(pk=first.pk))
    assert Notification.objects.get(pk=first.pk).read_at == stamp  # the first time is kept
    assert selectors.unread_count(user=agent) == 2
    assert services.notifications_mark_all_read(user=agent) == 2
    assert selectors.unread_count(user=agent) == 0


def test_preferences_refuse_an_unknown_kind(agent: User) -> None:
    with pytest.raises(ValidationError):
        services.preferences_set(user=agent, email_kinds=["party"])


def test_supervisors_of_a_team_else_every_supervisor_and_admin(
    team: object, agent: User, admin_user: User
) -> None:
    lead = UserFactory(username="lead", role=Role.SUPERVISOR, teams=[team])
    other = UserFactory(username="other", role=Role.SUPERVISOR)
    assert selectors.supervisors_for_team(agent.teams.get().pk) == [lead]
    assert selectors.supervisors_for_team(None) == [admin_user, lead, other]
