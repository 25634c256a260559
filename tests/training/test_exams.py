"""Exams: the draw, answers and the server's clock, auto-grading, short answers graded by a
reviewer, the attempts limit and the certification earned by passing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from afterdesk.training.models import AgentCertification, AttemptState, ExamAttempt
from afterdesk.training.services.exams import (
    ChoiceIn,
    answer_save,
    attempt_start,
    attempt_submit,
    bank_save,
    exam_save,
    question_create,
    questions_draw,
    short_answer_grade,
)
from tests.factories import UserFactory
from tests.training.helpers import exam_setup

pytestmark = pytest.mark.django_db


def test_the_draw_is_reproducible_per_seed_and_differs_between_seeds() -> None:
    ids = list(range(1, 41))
    assert questions_draw(ids, 1234, 10, True) == questions_draw(ids, 1234, 10, True)
    assert questions_draw(ids, 1234, None, True) != questions_draw(ids, 99, None, True)
    assert sorted(questions_draw(ids, 5, None, True)) == ids
    assert questions_draw(ids, 5, None, False) == ids  # no shuffle: the bank's order
    drawn = questions_draw(ids, 5, 7, False)
    assert len(drawn) == 7
    assert drawn == sorted(drawn)


def test_an_attempt_keeps_its_order_when_reopened(agent: User) -> None:
    setup = exam_setup()
    attempt = attempt_start(exam=setup.exam, user=agent)
    again = attempt_start(exam=setup.exam, user=agent)
    assert again.pk == attempt.pk
    assert again.question_ids == attempt.question_ids
    assert attempt.question_ids == questions_draw(
        [setup.single.pk, setup.multiple.pk, setup.true_false.pk], attempt.seed, None, True
    )


def _answer_all(setup, attempt, user, *, right: bool = True) -> None:  # type: ignore[no-untyped-def]
    pick = setup.correct if right else setup.wrong
    for question in (setup.single, setup.multiple, setup.true_false):
        answer_save(attempt=attempt, user=user, question_id=question.pk, choice_ids=pick(question))


def test_passing_grades_the_attempt_and_earns_the_certification(agent: User) -> None:
    setup = exam_setup()
    attempt = attempt_start(exam=setup.exam, user=agent)
    _answer_all(setup, attempt, agent)
    graded = attempt_submit(attempt=attempt, user=agent)
    assert graded.state == AttemptState.GRADED
    assert (graded.points, graded.max_points, graded.percent, graded.passed) == (
        Decimal(3),
        3,
        Decimal("100.00"),
        True,
    )
    award = AgentCertification.objects.get(user=agent)
    assert award.certification == setup.certification
    assert award.attempt == graded
    assert award.expires_at == award.earned_at + timedelta(days=365)
    # Submitting again changes nothing and earns nothing more.
    attempt_submit(attempt=attempt, user=agent)
    assert AgentCertification.objects.filter(user=agent).count() == 1


def test_a_multiple_choice_needs_exactly_the_correct_set(agent: User) -> None:
    setup = exam_setup()
    attempt = attempt_start(exam=setup.exam, user=agent)
    one_of_two = setup.correct(setup.multiple)[:1]
    answer_save(attempt=attempt, user=agent, question_id=setup.multiple.pk, choice_ids=one_of_two)
    answer_save(
        attempt=attempt,
        user=agent,
        question_id=setup.single.pk,
        choice_ids=setup.correct(setup.single),
    )
    graded = attempt_submit(attempt=attempt, user=agent)
    assert graded.points == 1
    assert graded.percent == Decimal("33.33")
    assert graded.passed is False
    assert not AgentCertification.objects.exists()


def test_an_answer_after_the_time_limit_is_refused_and_the_earlier_ones_kept(agent: User) -> None:
    setup = exam_setup()
    start = timezone.now()
    attempt = attempt_start(exam=setup.exam, user=agent, now=start)
    answer_save(
        attempt=attempt,
        user=agent,
        question_id=setup.single.pk,
        choice_ids=setup.correct(setup.single),
        now=start + timedelta(minutes=19),
    )
    with pytest.raises(Conflict, match="time is up"):
        answer_save(
            attempt=attempt,
            user=agent,
            question_id=setup.multiple.pk,
            choice_ids=setup.correct(setup.multiple),
            now=start + timedelta(minutes=20, seconds=1),
        )
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED  # closed with what came in time
    assert attempt.points == 1
    assert attempt.submitted_at == attempt.deadline
    assert list(attempt.answers.values_list("question_id", flat=True)) == [setup.single.pk]


def test_answers_are_checked(agent: User, other_agent: User) -> None:
    setup = exam_setup()
    attempt = attempt_start(exam=setup.exam, user=agent)
    with pytest.raises(ValidationError) as error:
        answer_save(attempt=attempt, user=agent, question_id=setup.single.pk, choice_ids=[])
    assert error.value.field == "choice_ids"
    foreign = setup.correct(setup.multiple)
    with pytest.raises(ValidationError):
        answer_save(attempt=attempt, user=agent, question_id=setup.single.pk, choice_ids=foreign)
    other_bank = bank_save(name="Other")
    stray = question_create(bank=other_bank, kind="true_false", text="x", true_answer=True)
    with pytest.raises(ValidationError) as error:
        answer_save(attempt=attempt, user=agent, question_id=stray.pk, choice_ids=[])
    assert error.value.field == "question_id"
    with pytest.raises(NotFound):  # someone else's attempt does not exist for them
        answer_save(attempt=attempt, user=other_agent, question_id=setup.single.pk, choice_ids=[])


def test_the_attempts_limit(agent: User) -> None:
    setup = exam_setup(max_attempts=1)
    attempt = attempt_start(exam=setup.exam, user=agent)
    attempt_submit(attempt=attempt, user=agent)
    with pytest.raises(Conflict, match="no attempts left: 1 of 1"):
        attempt_start(exam=setup.exam, user=agent)
    assert ExamAttempt.objects.filter(user=agent).count() == 1


def test_an_overdue_attempt_is_closed_when_the_next_one_starts(agent: User) -> None:
    setup = exam_setup()
    start = timezone.now() - timedelta(hours=2)
    first = attempt_start(exam=setup.exam, user=agent, now=start)
    second = attempt_start(exam=setup.exam, user=agent)
    first.refresh_from_db()
    assert first.state == AttemptState.GRADED
    assert first.passed is False
    assert second.number == 2
    assert second.state == AttemptState.IN_PROGRESS


def test_short_answers_wait_for_a_reviewer_who_is_not_the_taker(agent: User) -> None:
    setup = exam_setup(short=True)
    supervisor = UserFactory(role=Role.SUPERVISOR)
    attempt = attempt_start(exam=setup.exam, user=agent)
    _answer_all(setup, attempt, agent)
    assert setup.short is not None
    short = answer_save(attempt=attempt, user=agent, question_id=setup.short.pk, text="Sorry!")
    submitted = attempt_submit(attempt=attempt, user=agent)
    assert submitted.state == AttemptState.PENDING_REVIEW
    assert submitted.passed is None
    assert not AgentCertification.objects.exists()
    with pytest.raises(PermissionDenied):
        short_answer_grade(answer=short, by=agent, points=Decimal(2))
    with pytest.raises(ValidationError):
        short_answer_grade(answer=short, by=supervisor, points=Decimal(3))
    short_answer_grade(answer=short, by=supervisor, points=Decimal("1.5"), comment="Warmer, please")
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert (attempt.points, attempt.max_points, attempt.percent) == (
        Decimal("4.5"),
        5,
        Decimal("90.00"),
    )
    assert attempt.passed
    assert AgentCertification.objects.filter(user=agent).exists()
    with pytest.raises(Conflict):
        short_answer_grade(answer=short, by=supervisor, points=Decimal(2))


def test_questions_and_exams_are_validated() -> None:
    bank = bank_save(name="B")
    with pytest.raises(ValidationError, match="2–12 choices"):
        question_create(bank=bank, kind="single", text="?", choices=[])
    with pytest.raises(ValidationError, match="exactly one correct"):
        question_create(
            bank=bank, kind="single", text="?", choices=[ChoiceIn("a", True), ChoiceIn("b", True)]
        )
    with pytest.raises(ValidationError, match="needs its answer"):
        question_create(bank=bank, kind="true_false", text="?")
    with pytest.raises(ValidationError) as error:
        exam_save(title="Empty", bank=bank)
    assert error.value.field == "bank_id"
    question_create(bank=bank, kind="short", text="Why?")
    with pytest.raises(ValidationError) as error:
        exam_save(title="Big", bank=bank, question_count=2)
    assert error.value.field == "question_count"
    with pytest.raises(ValidationError):
        exam_save(title="Zero", bank=bank, pass_mark=0)
    with pytest.raises(Conflict):
        bank_save(name="B")


def test_the_database_refuses_a_second_attempt_in_progress(agent: User) -> None:
    """What two starts at the same moment would make: the partial unique constraint refuses
    the second (attempt_start turns it into a 409)."""
    from django.db import IntegrityError, transaction

    setup = exam_setup()
    first = attempt_start(exam=setup.exam, user=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExamAttempt.objects.create(
            exam=setup.exam,
            user=agent,
            number=2,
            seed=1,
            started_at=first.started_at,
            deadline=first.deadline,
        )
