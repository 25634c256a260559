"""Several workers running the survey job at once (two worker machines, or a run that outlasts
its five minutes): each solve gets one survey row (unique per solve) and the buyer one email
(the send is claimed with a conditional UPDATE). PostgreSQL only: the SQLite test database is
one in-memory connection."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from afterdesk.accounts.models import Role
from afterdesk.surveys.models import Survey, SurveyState
from afterdesk.surveys.tasks import surveys_run
from tests.channels.servers import SmtpServer
from tests.factories import UserFactory
from tests.surveys.conftest import buyer_ticket, received, solve


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_runs_send_one_survey_per_solve(
    smtp_server: SmtpServer, request: pytest.FixtureRequest
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database is one connection: nothing runs at once")
    mailbox = request.getfixturevalue("mailbox")
    agent = UserFactory(role=Role.AGENT)
    solved = []
    for i in range(3):
        ticket = buyer_ticket(mailbox, sender=f"Buyer <buyer{i}@example.net>", subject=f"No. {i}")
        solve(ticket, agent)
        solved.append(ticket)
    workers = 5
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    outcomes: list[str] = []
    later = timezone.now() + timedelta(hours=25)

    def run() -> None:
        try:
            barrier.wait()
            outcomes.extend(surveys_run(later))
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Survey.objects.count() == 3
    assert set(Survey.objects.values_list("state", "attempts")) == {(SurveyState.SENT, 1)}
    assert sum("sent to" in line for line in outcomes) == 3
    # The agents' replies went out by email too (committed for real here): only the surveys.
    surveys = [m for m in received(smtp_server) if m["Subject"].startswith("How did we do?")]
    assert sorted(str(m["To"]) for m in surveys) == [
        "buyer0@example.net",
        "buyer1@example.net",
        "buyer2@example.net",
    ]
