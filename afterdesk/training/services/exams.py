"""Question banks, exams and attempts (docs/training.md, "Exams").

The server's clock is the only clock: an attempt's deadline is fixed when it starts, and an
answer saved after it is refused (409) whatever the browser shows. Answers saved in time are
kept and graded when the attempt closes (submitted, or found past its deadline).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from afterdesk.core.timeutil import format_instant
from afterdesk.training.models import (
    AttemptAnswer,
    AttemptState,
    Choice,
    Exam,
    ExamAttempt,
    Question,
    QuestionBank,
    QuestionKind,
)
from afterdesk.training.services.certifications import award_grant

CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE}
MAX_TEXT = 5000
MAX_CHOICES = 12


def _text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    return value


def bank_save(
    *, bank: QuestionBank | None = None, name: str, description: str = ""
) -> QuestionBank:
    name = _text(name, "name", 150)
    taken = QuestionBank.objects.filter(name=name)
    if bank is not None:
        taken = taken.exclude(pk=bank.pk)
    if taken.exists():
        raise Conflict(f"a question bank named {name!r} exists", field="name")
    target = bank or QuestionBank()
    target.name, target.description = (
        name,
        _text(description, "description", MAX_TEXT, required=False),
    )
    target.save()
    return target


@dataclass(frozen=True)
class ChoiceIn:
    text: str
    correct: bool


def _question_rows(
    kind: str, points: int, choices: Sequence[ChoiceIn], true_answer: bool | None
) -> list[ChoiceIn]:
    """The checked choices of a question (true/false: made here; short answer: none)."""
    if kind not in QuestionKind.values:
        raise ValidationError(f"kind must be one of {', '.join(QuestionKind.values)}", field="kind")
    if not 1 <= points <= 100:
        raise ValidationError("points must be 1–100", field="points")
    rows: list[ChoiceIn] = []
    if kind == QuestionKind.TRUE_FALSE:
        if true_answer is None:
            raise ValidationError("a true/false question needs its answer", field="true_answer")
        rows = [ChoiceIn("True", true_answer), ChoiceIn("False", not true_answer)]
    elif kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        rows = [
            ChoiceIn(_text(c.text, f"choices[{i}].text", 500), c.correct)
            for i, c in enumerate(choices)
        ]
        if not 2 <= len(rows) <= MAX_CHOICES:
            raise ValidationError(
                f"a choice question needs 2–{MAX_CHOICES} choices", field="choices"
            )
        correct = sum(1 for c in rows if c.correct)
        if kind == QuestionKind.SINGLE and correct != 1:
            raise ValidationError(
                "a single-choice question needs exactly one correct choice", field="choices"
            )
        if kind == QuestionKind.MULTIPLE and correct < 1:
            raise ValidationError(
                "a multiple-choice question needs a correct choice", field="choices"
            )
    elif choices:
        raise ValidationError("a short-answer question has no choices", field="choices")
    return rows


def _choices_write(question: Question, rows: Sequence[ChoiceIn]) -> None:
    Choice.objects.bulk_create(
        [
            Choice(question=question, position=i + 1, text=c.text, correct=c.correct)
            for i, c in enumerate(rows)
        ]
    )


@transaction.atomic
def question_create(
    *,
    bank: QuestionBank,
    kind: str,
    text: str,
    points: int = 1,
    choices: Sequence[ChoiceIn] = (),
    true_answer: bool | None = None,
    explanation: str = "",
    replaces: Question | None = None,
) -> Question:
    """A question. Single choice: one correct choice of 2+; multiple choice: 1+ correct of
    2+; true/false: `true_answer` (its two choices are made here); short answer: no choices
    (a reviewer grades it)."""
    text = _text(text, "text", MAX_TEXT)
    rows = _question_rows(kind, points, choices, true_answer)
    question = Question.objects.create(
        bank=bank,
        kind=kind,
        text=text,
        points=points,
        explanation=_text(explanation, "explanation", MAX_TEXT, required=False),
        replaces=replaces,
    )
    _choices_write(question, rows)
    return question


def active_questions(bank: QuestionBank) -> Any:
    """The questions a new attempt may draw: the bank's, archived ones left out."""
    return Question.objects.filter(bank=bank, archived_at__isnull=True)


def question_in_use(question: Question) -> bool:
    """Whether an attempt drew `question` (answered or not): such a question is kept as it
    was, for the attempt to show and grade. Only exams on its bank can have drawn it."""
    if AttemptAnswer.objects.filter(question=question).exists():
        return True
    drawn = ExamAttempt.objects.filter(exam__bank_id=question.bank_id).values_list(
        "question_ids", flat=True
    )
    return any(question.pk in ids for ids in drawn.iterator())


@dataclass(frozen=True)
class QuestionChange:
    question: Question  # the question now in the bank (a new version when `versioned`)
    versioned: bool


@transaction.atomic
def question_update(
    *,
    question: Question,
    kind: str,
    text: str,
    points: int = 1,
    choices: Sequence[ChoiceIn] = (),
    true_answer: bool | None = None,
    explanation: str = "",
    now: datetime | None = None,
) -> QuestionChange:
    """Change a question. One no attempt has drawn is changed in place; one an attempt
    drew stays as it was (archived, the attempt still shows and grades it) and the change
    becomes a new version in the same bank, which new attempts draw. An archived question
    is not changed (409)."""
    locked = Question.objects.select_for_update().get(pk=question.pk)
    if locked.archived_at is not None:
        raise Conflict("this question is archived: it can no longer change", field="question")
    text = _text(text, "text", MAX_TEXT)
    rows = _question_rows(kind, points, choices, true_answer)
    explanation = _text(explanation, "explanation", MAX_TEXT, required=False)
    if question_in_use(locked):
        locked.archived_at = now or timezone.now()
        locked.save(update_fields=["archived_at"])
        new = Question.objects.create(
            bank_id=locked.bank_id,
            kind=kind,
            text=text,
            points=points,
            explanation=explanation,
            replaces=locked,
        )
        _choices_write(new, rows)
        return QuestionChange(new, versioned=True)
    locked.kind, locked.text, locked.points, locked.explanation = kind, text, points, explanation
    locked.save(update_fields=["kind", "text", "points", "explanation"])
    locked.choices.all().delete()
    _choices_write(locked, rows)
    return QuestionChange(locked, versioned=False)


def _bank_still_usable(question: Question) -> None:
    """An exam still open to attempts needs a question to draw."""
    others = active_questions(question.bank).exclude(pk=question.pk)
    if others.exists():
        return
    if Exam.objects.filter(bank_id=question.bank_id, archived_at__isnull=True).exists():
        raise Conflict(
            "this is the last question of a bank an exam draws from: "
            "add another question, or archive the exam, first",
            field="question",
        )


@transaction.atomic
def question_delete(*, question: Question, now: datetime | None = None) -> str:
    """Remove a question from its bank: deleted when no attempt drew it, otherwise archived
    (kept for the attempts that show it, never drawn again). Returns "deleted" or
    "archived"; removing an archived question again changes nothing."""
    locked = Question.objects.select_for_update().get(pk=question.pk)
    if locked.archived_at is not None:
        return "archived"
    _bank_still_usable(locked)
    if question_in_use(locked):
        locked.archived_at = now or timezone.now()
        locked.save(update_fields=["archived_at"])
        return "archived"
    locked.delete()
    return "deleted"


@transaction.atomic
def exam_save(
    *,
    exam: Exam | None = None,
    title: str,
    bank: QuestionBank,
    description: str = "",
    question_count: int | None = None,
    pass_mark: int = 80,
    time_limit_minutes: int = 30,
    max_attempts: int | None = None,
    shuffle: bool = True,
    certification_id: int | None = None,
    published: bool = True,
) -> Exam:
    title = _text(title, "title", 200)
    size = active_questions(bank).count()
    if size == 0:
        raise ValidationError("the question bank has no questions", field="bank_id")
    if question_count is not None and not 1 <= question_count <= size:
        raise ValidationError(
            f"question_count must be 1–{size} (the bank's size)", field="question_count"
        )
    if not 1 <= pass_mark <= 100:
        raise ValidationError("pass_mark must be 1–100 (percent)", field="pass_mark")
    if not 1 <= time_limit_minutes <= 24 * 60:
        raise ValidationError("time_limit_minutes must be 1–1440", field="time_limit_minutes")
    if max_attempts is not None and not 1 <= max_attempts <= 100:
        raise ValidationError("max_attempts must be 1–100 (or empty)", field="max_attempts")
    taken = Exam.objects.filter(title=title)
    if exam is not None:
        taken = taken.exclude(pk=exam.pk)
        _exam_change_check(
            exam,
            bank_id=bank.pk,
            question_count=question_count,
            pass_mark=pass_mark,
            shuffle=shuffle,
        )
    if taken.exists():
        raise Conflict(f"an exam titled {title!r} exists", field="title")
    target = exam or Exam()
    target.title, target.bank, target.description = (
        title,
        bank,
        _text(description, "description", MAX_TEXT, required=False),
    )
    target.question_count, target.pass_mark = question_count, pass_mark
    target.time_limit_minutes, target.max_attempts = time_limit_minutes, max_attempts
    target.shuffle, target.certification_id, target.published = shuffle, certification_id, published
    target.save()
    return target


# What an attempt was drawn and graded by: fixed once an exam has attempts.
FIXED_WITH_ATTEMPTS = ("bank_id", "question_count", "pass_mark", "shuffle")


def _exam_change_check(exam: Exam, **wanted: object) -> None:
    """An archived exam does not change; one with attempts keeps how its attempts were
    drawn and graded (bank, question count, pass mark, order): changing those would rewrite
    past results, so it is refused (409) and the trainer archives the exam and makes a new
    one. Its title, description, time limit (new attempts), attempts allowed, certification
    (earned from then on) and published flag may change."""
    current = (
        Exam.objects.select_for_update()
        .filter(pk=exam.pk)
        .values(*FIXED_WITH_ATTEMPTS, "archived_at")
        .first()
    )
    if current is None:
        raise NotFound("no such exam")
    if current["archived_at"] is not None:
        raise Conflict("this exam is archived: it can no longer change", field="exam")
    changed = [name for name in FIXED_WITH_ATTEMPTS if current[name] != wanted[name]]
    if changed and ExamAttempt.objects.filter(exam=exam).exists():
        field = changed[0]
        raise Conflict(
            f"this exam has attempts, so its {field.removesuffix('_id')} cannot change "
            "(past results would change): archive it and create a new exam",
            field=field,
        )


@transaction.atomic
def exam_delete(*, exam: Exam, now: datetime | None = None) -> str:
    """Remove an exam: deleted when nobody attempted it (it leaves the learning paths it was
    in), otherwise archived: hidden from learners and taking no new attempt, while its
    attempts, their answers and the certifications they earned stay. Returns "deleted" or
    "archived"; archiving twice changes nothing."""
    locked = Exam.objects.select_for_update().get(pk=exam.pk)
    if locked.archived_at is not None:
        return "archived"
    if ExamAttempt.objects.filter(exam=locked).exists():
        locked.archived_at = now or timezone.now()
        locked.save(update_fields=["archived_at"])
        return "archived"
    locked.delete()
    return "deleted"


def questions_draw(
    question_ids: Sequence[int], seed: int, count: int | None, shuffle: bool
) -> list[int]:
    """The questions of an attempt, in its order: the same seed always gives the same list
    (an attempt reopened shows the same exam; a test can reproduce it)."""
    ids = sorted(question_ids)
    rng = random.Random(seed)  # noqa: S311 - an order, not a secret
    count = len(ids) if count is None else min(count, len(ids))
    if shuffle:
        return rng.sample(ids, count)
    return ids if count == len(ids) else sorted(rng.sample(ids, count))


def attempt_start(*, exam: Exam, user: User, now: datetime | None = None) -> ExamAttempt:
    """Start an attempt, or return the one in progress. An attempt found past its deadline
    is closed first (its saved answers graded). Over the attempts limit: 409."""
    now = now or timezone.now()
    if not exam.published:
        raise NotFound("no such exam")
    if exam.archived_at is not None:
        raise Conflict("this exam is archived: it takes no new attempts", field="exam")
    current = ExamAttempt.objects.filter(
        exam=exam, user=user, state=AttemptState.IN_PROGRESS
    ).first()
    if current is not None:
        if current.deadline > now:
            return current
        attempt_submit(attempt=current, user=user, now=now)
    used = ExamAttempt.objects.filter(exam=exam, user=user).count()
    if exam.max_attempts is not None and used >= exam.max_attempts:
        raise Conflict(f"no attempts left: {used} of {exam.max_attempts} used", field="exam")
    seed = secrets.randbits(62)
    ids = list(active_questions(exam.bank).values_list("pk", flat=True))
    drawn = questions_draw(ids, seed, exam.question_count, exam.shuffle)
    max_points = sum(Question.objects.filter(pk__in=drawn).values_list("points", flat=True))
    try:
        with transaction.atomic():
            return ExamAttempt.objects.create(
                exam=exam,
                user=user,
                number=used + 1,
                seed=seed,
                question_ids=drawn,
                started_at=now,
                deadline=now + timedelta(minutes=exam.time_limit_minutes),
                max_points=max_points,
            )
    except IntegrityError as exc:  # a second click started one at the same moment
        raise Conflict("an attempt at this exam has just been started", field="exam") from exc


def _locked(attempt: ExamAttempt, user: User) -> ExamAttempt:
    locked = ExamAttempt.objects.select_for_update().select_related("exam").get(pk=attempt.pk)
    if locked.user_id != user.pk:
        raise NotFound("no such attempt")
    return locked


def answer_save(
    *,
    attempt: ExamAttempt,
    user: User,
    question_id: int,
    choice_ids: Sequence[int] = (),
    text: str = "",
    now: datetime | None = None,
) -> AttemptAnswer:
    """Save (or change) one answer. After the deadline — by the server's clock — the answer
    is refused with 409 and the attempt is closed with the answers saved in time."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt, user)
        if locked.state != AttemptState.IN_PROGRESS:
            raise Conflict("this attempt is closed: answers can no longer change", field="attempt")
        overdue = now > locked.deadline
        if not overdue:
            return _answer_write(locked, question_id, choice_ids, text, now)
    attempt_submit(attempt=attempt, user=user, now=now)
    raise Conflict(
        f"time is up: the attempt ended at {format_instant(locked.deadline)}; "
        "an answer after the time limit is not accepted",
        field="attempt",
    )


def _answer_write(
    attempt: ExamAttempt, question_id: int, choice_ids: Sequence[int], text: str, now: datetime
) -> AttemptAnswer:
    if question_id not in attempt.question_ids:
        raise ValidationError("this question is not part of the attempt", field="question_id")
    question = Question.objects.get(pk=question_id)
    chosen = sorted(set(choice_ids))
    if question.kind in CHOICE_KINDS:
        valid = set(question.choices.values_list("pk", flat=True))
        if not set(chosen) <= valid:
            raise ValidationError("a choice is not one of the question's", field="choice_ids")
        if question.kind != QuestionKind.MULTIPLE and len(chosen) != 1:
            raise ValidationError("pick exactly one choice", field="choice_ids")
        text = ""
    else:
        if chosen:
            raise ValidationError("a short answer has no choices", field="choice_ids")
        text = _text(text, "text", MAX_TEXT)
    answer, _created = AttemptAnswer.objects.update_or_create(
        attempt=attempt,
        question=question,
        defaults={"choice_ids": chosen, "text": text, "answered_at": now},
    )
    return answer


def _auto_grade(question: Question, answer: AttemptAnswer | None, correct_ids: set[int]) -> None:
    """Choice questions: all or nothing (a multiple choice needs exactly the correct set)."""
    assert answer is not None  # noqa: S101 - called for saved answers only
    answer.correct = set(answer.choice_ids) == correct_ids
    answer.points = Decimal(question.points) if answer.correct else Decimal(0)


def attempt_submit(*, attempt: ExamAttempt, user: User, now: datetime | None = None) -> ExamAttempt:
    """Close an attempt and grade what can be graded. Submitting twice changes nothing.
    Short answers wait for a reviewer; the attempt is graded when the last one is."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked(attempt, user)
        if locked.state != AttemptState.IN_PROGRESS:
            return locked
        questions = Question.objects.in_bulk(locked.question_ids)
        correct: dict[int, set[int]] = {}
        for question_id, choice_id in Choice.objects.filter(
            question_id__in=locked.question_ids, correct=True
        ).values_list("question_id", "pk"):
            correct.setdefault(question_id, set()).add(choice_id)
        answers = {a.question_id: a for a in locked.answers.all()}
        pending = False
        for question_id in locked.question_ids:
            question, answer = questions.get(question_id), answers.get(question_id)
            if question is None or answer is None:
                continue  # unanswered: no points
            if question.kind == QuestionKind.SHORT:
                pending = True
                continue
            _auto_grade(question, answer, correct.get(question_id, set()))
            answer.save(update_fields=["correct", "points"])
        locked.submitted_at = min(now, locked.deadline)
        if pending:
            locked.state = AttemptState.PENDING_REVIEW
            locked.save(update_fields=["submitted_at", "state"])
            return locked
        return _finish(locked, now)


def _finish(attempt: ExamAttempt, now: datetime) -> ExamAttempt:
    points = sum((a.points or Decimal(0) for a in attempt.answers.all()), Decimal(0))
    percent = (
        (points * 100 / attempt.max_points).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if attempt.max_points
        else Decimal("0.00")
    )
    attempt.points, attempt.percent = points, percent
    attempt.passed = percent >= attempt.exam.pass_mark
    attempt.state = AttemptState.GRADED
    attempt.save(update_fields=["submitted_at", "state", "points", "percent", "passed"])
    if attempt.passed and attempt.exam.certification_id is not None:
        award_grant(
            user=attempt.user,
            certification=attempt.exam.certification,  # type: ignore[arg-type]
            attempt=attempt,
            now=now,
        )
    return attempt


def short_answer_grade(
    *,
    answer: AttemptAnswer,
    by: User,
    points: Decimal,
    comment: str = "",
    now: datetime | None = None,
) -> AttemptAnswer:
    """A reviewer's grade for a short answer (0 to the question's points). Nobody grades
    their own attempt. The last grade of an attempt grades the attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            ExamAttempt.objects.select_for_update()
            .select_related("exam", "user")
            .get(pk=answer.attempt_id)
        )
        if attempt.user_id == by.pk:
            raise PermissionDenied("nobody grades their own answers")
        if attempt.state != AttemptState.PENDING_REVIEW:
            raise Conflict("this attempt is not waiting for a reviewer", field="attempt")
        answer = AttemptAnswer.objects.select_related("question").get(pk=answer.pk)
        if answer.question.kind != QuestionKind.SHORT:
            raise ValidationError("only short answers are graded by hand", field="answer")
        if not 0 <= points <= answer.question.points or points != points.quantize(Decimal("0.01")):
            raise ValidationError(
                f"points must be 0–{answer.question.points} with at most 2 decimals", field="points"
            )
        answer.points, answer.correct = points, points == answer.question.points
        answer.comment = _text(comment, "comment", MAX_TEXT, required=False)
        answer.reviewed_by, answer.reviewed_at = by, now
        answer.save(update_fields=["points", "correct", "comment", "reviewed_by", "reviewed_at"])
        waiting = attempt.answers.filter(
            question__kind=QuestionKind.SHORT, reviewed_at__isnull=True
        )
        if not waiting.exists():
            _finish(attempt, now)
        return answer
