"""Two runs of the certification reminder task at the same moment remind each award once
(PostgreSQL: SQLite serialises writers on one lock, and the in-memory test database is one
connection). docs/training.md, "Expiry reminders"."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from afterdesk.accounts.models import Role
from afterdesk.notifications.models import Notification, NotificationKind
from afterdesk.training.models import CertificationReminder
from afterdesk.training.services.certifications import award_grant, certification_save
from afterdesk.training.services.reminders import expiry_reminders_send
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_runs_at_once_remind_each_award_once() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers on one database lock: no two runs at once")
    team = TeamFactory(name="EU")
    lead = UserFactory(username="lea", role=Role.SUPERVISOR, teams=[team])
    cert = certification_save(name="Returns specialist", valid_days=365)
    now = timezone.now()
    agents = [UserFactory(username=f"agent{n}", teams=[team]) for n in range(12)]
    for n, agent in enumerate(agents):
        award_grant(user=agent, certification=cert, by=lead, now=now - timedelta(days=350 - n % 5))
    runs = 4
    barrier = threading.Barrier(runs)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            counts.append(expiry_reminders_send(now=now))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(counts) == len(agents)
    assert CertificationReminder.objects.count() == len(agents)
    told = Notification.objects.filter(kind=NotificationKind.CERTIFICATION_EXPIRY)
    # Each agent once, and the team's supervisor once per agent.
    assert told.filter(recipient=lead).count() == len(agents)
    assert told.exclude(recipient=lead).count() == len(agents)
    assert expiry_reminders_send(now=now) == 0
