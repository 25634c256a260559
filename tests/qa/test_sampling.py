"""Sampling assignments (afterdesk/qa/sampling.py), `afterdesk qa sample` and the hourly task."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command

from afterdesk.accounts.models import Role, Team, User
from afterdesk.qa import sampling, services
from afterdesk.qa.models import Assignment, Rubric, SampleItem
from afterdesk.qa.tasks import LOCK, qa_periodic, qa_periodic_lock_flush
from afterdesk.tickets import services as ticket_services
from tests.factories import T0, UserFactory
from tests.qa.conftest import conversation

pytestmark = pytest.mark.django_db
# T0 is Thursday 2026-10-01; the week of Monday 2026-09-28 holds it.
WEEK = date(2026, 9, 28)


@pytest.fixture
def assignment(rubric: Rubric, supervisor: User, qa_reviewer: User) -> Assignment:
    return services.assignment_save(
        by=supervisor,
        name="Weekly EU",
        rubric=rubric,
        cycle="weekly",
        per_agent=2,
        reviewers=[qa_reviewer, supervisor],
        filters={},
    )


def _tickets(agent: User, team: Team, count: int, start: datetime = T0) -> list[int]:
    return [conversation(agent, team, at=start + timedelta(hours=i)).pk for i in range(count)]


def test_cycles() -> None:
    assert sampling.cycle_start_of("weekly", date(2026, 10, 4)) == WEEK
    assert sampling.cycle_end_of("weekly", WEEK) == date(2026, 10, 5)
    assert sampling.cycle_start_of("monthly", date(2026, 12, 31)) == date(2026, 12, 1)
    assert sampling.cycle_end_of("monthly", date(2026, 12, 1)) == date(2027, 1, 1)
    assert sampling.cycle_end_of("daily", date(2026, 2, 28)) == date(2026, 3, 1)
    now = datetime(2026, 10, 7, 12, tzinfo=T0.tzinfo)
    assert sampling.last_complete_cycle("weekly", now) == WEEK
    assert sampling.last_complete_cycle("monthly", now) == date(2026, 9, 1)
    assert sampling.last_complete_cycle("daily", now) == date(2026, 10, 6)


def test_n_per_agent_reproducible_and_idempotent(
    assignment: Assignment, agent: User, other_agent: User, team: Team, other_team: Team
) -> None:
    mine = _tickets(agent, team, 5)
    theirs = _tickets(other_agent, other_team, 1)
    items = sampling.sample_cycle(assignment, WEEK)
    by_agent: dict[str, list[int]] = {}
    for item in items:
        by_agent.setdefault(item.agent.username, []).append(item.ticket_id)
    assert len(by_agent["anna"]) == 2
    assert set(by_agent["anna"]) <= set(mine)
    assert by_agent["bo"] == theirs
    # Sampling again (another day of the cycle) adds nothing and changes nothing.
    again = sampling.sample_cycle(assignment, date(2026, 10, 2))
    assert sorted(i.pk for i in again) == sorted(i.pk for i in items)
    # The draw is seeded by assignment and cycle: a fresh sampling picks the same tickets.
    chosen = sorted(i.ticket_id for i in items)
    SampleItem.objects.all().delete()
    assert sorted(i.ticket_id for i in sampling.sample_cycle(assignment, WEEK)) == chosen
    # Reviewers take turns.
    assert {i.reviewer.username for i in items} == {"quinn", "sam"}


def test_conversations_outside_the_cycle_are_not_sampled(
    assignment: Assignment, agent: User, team: Team
) -> None:
    _tickets(agent, team, 2, start=T0 + timedelta(days=7))
    assert sampling.sample_cycle(assignment, WEEK) == []


def test_a_reviewer_is_not_given_their_own_conversations(
    rubric: Rubric, supervisor: User, team: Team
) -> None:
    reviewer = UserFactory(username="rex", role=Role.QA_REVIEWER, teams=[team])
    _tickets(reviewer, team, 2)
    only_self = services.assignment_save(
        by=supervisor,
        name="Self",
        rubric=rubric,
        cycle="weekly",
        per_agent=2,
        reviewers=[reviewer],
        filters={},
    )
    assert sampling.sample_cycle(only_self, WEEK) == []
    services.settings_save(by=supervisor, self_review=True, dispute_days=7)
    assert len(sampling.sample_cycle(only_self, WEEK)) == 2


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"channel": "chat"}, {"chat"}),
        ({"csat_max": 2}, {"unhappy"}),
        ({"min_messages": 3}, {"long"}),
        ({"reopened": True}, {"reopened"}),
        ({"category": "size_issue"}, {"size"}),
    ],
)
def test_filters(
    rubric: Rubric,
    supervisor: User,
    qa_reviewer: User,
    agent: User,
    team: Team,
    filters: dict[str, object],
    expected: set[str],
) -> None:
    def make(subject: str) -> object:
        return conversation(agent, team, subject=subject)

    plain = make("plain")
    chat = make("chat")
    chat.channel = "chat"
    chat.save(update_fields=["channel"])
    size = make("size")
    size.category = "size_issue"
    size.save(update_fields=["category"])
    unhappy = make("unhappy")
    ticket_services.ticket_set_status(
        ticket=unhappy, by=agent, status="solved", at=T0 + timedelta(hours=2)
    )
    ticket_services.csat_record(ticket=unhappy, rating=1, at=T0 + timedelta(hours=3))
    long = make("long")
    ticket_services.message_ingest(ticket=long, body="And the invoice?", at=T0 + timedelta(hours=2))
    reopened = make("reopened")
    ticket_services.ticket_set_status(
        ticket=reopened, by=agent, status="solved", at=T0 + timedelta(hours=2)
    )
    ticket_services.ticket_set_status(
        ticket=reopened, by=agent, status="open", at=T0 + timedelta(hours=3)
    )
    del plain
    assignment = services.assignment_save(
        by=supervisor,
        name="Filtered",
        rubric=rubric,
        cycle="weekly",
        per_agent=10,
        reviewers=[qa_reviewer],
        filters=filters,
    )
    assert {i.ticket.subject for i in sampling.sample_cycle(assignment, WEEK)} == expected


@pytest.mark.parametrize(
    "filters",
    [{"colour": "red"}, {"csat_max": 9}, {"risk_min": "high"}, {"min_messages": 0}],
)
def test_bad_filters_are_refused(
    rubric: Rubric, supervisor: User, qa_reviewer: User, filters: dict[str, object]
) -> None:
    from afterdesk.core.errors import ValidationError

    with pytest.raises(ValidationError):
        services.assignment_save(
            by=supervisor,
            name="Bad",
            rubric=rubric,
            cycle="weekly",
            per_agent=1,
            reviewers=[qa_reviewer],
            filters=filters,
        )
    assert not Assignment.objects.exists()


def test_the_command_samples_and_refuses_a_bad_date(
    assignment: Assignment, agent: User, team: Team, capsys: pytest.CaptureFixture[str]
) -> None:
    _tickets(agent, team, 3)
    call_command("qa", "sample", "--cycle-start", "2026-10-01")
    assert "Weekly EU: 2 conversation(s)" in capsys.readouterr().out
    call_command("qa", "sample", "--cycle-start", "2026-10-01")
    assert SampleItem.objects.count() == 2
    with pytest.raises(CommandError, match="--cycle-start"):
        call_command("qa", "sample", "--cycle-start", "yesterday")


def test_the_periodic_task_samples_the_last_cycle_and_finalizes(
    assignment: Assignment, agent: User, team: Team, qa_reviewer: User, rubric: Rubric
) -> None:
    # Conversations of last week (relative to now) so the task's "last complete cycle" has them.
    from django.utils import timezone

    start = sampling.last_complete_cycle("weekly", timezone.now())
    at = timezone.make_aware(datetime.combine(start, datetime.min.time())) + timedelta(hours=9)
    _tickets(agent, team, 1, start=at)
    qa_periodic.call_local()
    qa_periodic.call_local()
    assert SampleItem.objects.filter(cycle_start=start).count() == 1


def test_a_lock_left_by_a_killed_worker_is_cleared_at_start(
    assignment: Assignment, agent: User, team: Team
) -> None:
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY

    start = sampling.last_complete_cycle("weekly", timezone.now())
    at = timezone.make_aware(datetime.combine(start, datetime.min.time())) + timedelta(hours=9)
    _tickets(agent, team, 1, start=at)
    lock = HUEY.lock_task(LOCK)
    lock.__enter__()  # a worker killed while holding it never releases it
    assert qa_periodic.call_local() == 0
    qa_periodic_lock_flush()
    assert qa_periodic.call_local() == 1
