"""The reads of training, each applying `access` (docs/training.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound
from afterdesk.training import access
from afterdesk.training.models import (
    AgentCertification,
    AttemptAnswer,
    AttemptState,
    Course,
    Drill,
    DrillResponse,
    Exam,
    ExamAttempt,
    LearningPath,
    Lesson,
    LessonProgress,
    Question,
    QuestionKind,
)


def courses_visible(user: User) -> QuerySet[Course]:
    rows = Course.objects.annotate(lesson_count=Count("lessons"))
    return rows if access.can_manage(user) else rows.filter(published=True)


def course_get(*, user: User, course_id: int) -> Course:
    course = (
        courses_visible(user)
        .prefetch_related(Prefetch("lessons", queryset=Lesson.objects.order_by("position", "pk")))
        .prefetch_related("articles")
        .filter(pk=course_id)
        .first()
    )
    if course is None:
        raise NotFound("no such course")
    return course


def lesson_get(*, user: User, lesson_id: int) -> Lesson:
    lesson = Lesson.objects.select_related("course").filter(pk=lesson_id).first()
    if lesson is None or not (lesson.course.published or access.can_manage(user)):
        raise NotFound("no such lesson")
    return lesson


def lessons_done(*, user: User) -> set[int]:
    return set(LessonProgress.objects.filter(user=user).values_list("lesson_id", flat=True))


def course_done_counts(*, user: User) -> dict[int, int]:
    """Lessons done per course by `user`, in one query."""
    rows = (
        LessonProgress.objects.filter(user=user)
        .values("lesson__course_id")
        .annotate(n=Count("pk"))
        .values_list("lesson__course_id", "n")
    )
    return dict(rows)


def exams_visible(user: User) -> QuerySet[Exam]:
    """Learners see the published exams; trainers every exam, archived ones too."""
    rows = Exam.objects.select_related("certification", "bank")
    if access.can_manage(user):
        return rows
    return rows.filter(published=True, archived_at__isnull=True)


def exam_get(*, user: User, exam_id: int) -> Exam:
    exam = exams_visible(user).filter(pk=exam_id).first()
    if exam is None:
        raise NotFound("no such exam")
    return exam


def attempts_of(*, user: User) -> QuerySet[ExamAttempt]:
    """`user`'s results history, newest first."""
    return ExamAttempt.objects.filter(user=user).select_related("exam")


def attempt_get(*, user: User, attempt_id: int) -> ExamAttempt:
    """An attempt: its taker's; reviewers see every attempt (to grade it)."""
    rows = ExamAttempt.objects.select_related("exam", "user")
    if not access.can_grade(user):
        rows = rows.filter(user=user)
    attempt = rows.filter(pk=attempt_id).first()
    if attempt is None:
        raise NotFound("no such attempt")
    return attempt


@dataclass
class AttemptItem:
    question: Question
    answer: AttemptAnswer | None


def attempt_items(attempt: ExamAttempt) -> list[AttemptItem]:
    """The attempt's questions in its order (the seed's), with their choices and answers:
    three queries."""
    questions = Question.objects.prefetch_related("choices").in_bulk(attempt.question_ids)
    answers = {a.question_id: a for a in attempt.answers.all()}
    return [
        AttemptItem(questions[qid], answers.get(qid))
        for qid in attempt.question_ids
        if qid in questions
    ]


def short_answers_waiting(*, user: User) -> QuerySet[AttemptAnswer]:
    """The short answers waiting for a reviewer, oldest first; never the reviewer's own."""
    access.grade_require(user)
    return (
        AttemptAnswer.objects.filter(
            attempt__state=AttemptState.PENDING_REVIEW,
            question__kind=QuestionKind.SHORT,
            reviewed_at__isnull=True,
        )
        .exclude(attempt__user=user)
        .select_related("attempt__exam", "attempt__user", "question")
        .order_by("answered_at", "pk")
    )


def answer_get_for_grading(*, user: User, answer_id: int) -> AttemptAnswer:
    answer = short_answers_waiting(user=user).filter(pk=answer_id).first()
    if answer is None:
        raise NotFound("no such answer waiting for a grade")
    return answer


def drills_visible(user: User) -> QuerySet[Drill]:
    access.learner_require(user)
    return Drill.objects.all()


def drill_get(*, user: User, drill_id: int) -> Drill:
    drill = drills_visible(user).filter(pk=drill_id).first()
    if drill is None:
        raise NotFound("no such drill")
    return drill


def drill_responses_waiting(*, user: User) -> QuerySet[DrillResponse]:
    access.grade_require(user)
    return (
        DrillResponse.objects.filter(graded_at__isnull=True)
        .exclude(user=user)
        .select_related("drill", "user")
        .order_by("submitted_at", "pk")
    )


def drill_response_get_for_grading(*, user: User, response_id: int) -> DrillResponse:
    response = drill_responses_waiting(user=user).filter(pk=response_id).first()
    if response is None:
        raise NotFound("no such drill reply waiting for a grade")
    return response


def active_q(at: datetime) -> Q:
    return Q(revoked_at__isnull=True, earned_at__lte=at) & (
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )


def certifications_held(*, user: User, at: datetime | None = None) -> list[AgentCertification]:
    """`user`'s certifications in force at `at` (now), one per certification (the one
    that lasts longest)."""
    at = at or timezone.now()
    rows = (
        AgentCertification.objects.filter(active_q(at), user=user)
        .select_related("certification")
        .order_by("certification__name", "-earned_at")
    )
    best: dict[int, AgentCertification] = {}
    for row in rows:
        kept = best.get(row.certification_id)
        if kept is None or _lasts_longer(row, kept):
            best[row.certification_id] = row
    return list(best.values())


@dataclass(frozen=True)
class CertificationState:
    """A certification an agent holds or held, by its award that counts: `held` (in force),
    `expiring` (in force, expiring within the reminder window) or `expired` (the latest
    award ran out and none replaced it)."""

    award: AgentCertification
    state: str


def certification_states(
    *, user: User, soon_days: int, at: datetime | None = None
) -> list[CertificationState]:
    """`user`'s certifications by name: each held one (expiring soon or not), and each
    whose every award has expired. Revoked awards are left out. One query."""
    at = at or timezone.now()
    held = {award.certification_id: award for award in certifications_held(user=user, at=at)}
    expired: dict[int, AgentCertification] = {}
    rows = (
        AgentCertification.objects.filter(user=user, revoked_at__isnull=True, expires_at__lte=at)
        .select_related("certification")
        .order_by("expires_at", "pk")
    )
    for row in rows:
        if row.certification_id not in held:
            expired[row.certification_id] = row  # the latest expiry wins
    soon = at + timedelta(days=soon_days)
    states = [
        CertificationState(
            award,
            "expiring" if award.expires_at is not None and award.expires_at <= soon else "held",
        )
        for award in held.values()
    ]
    states += [CertificationState(award, "expired") for award in expired.values()]
    return sorted(states, key=lambda s: (s.award.certification.name, s.award.pk))


def awards_expiring_or_expired(
    *, soon_days: int, expired_days: int = 90, at: datetime | None = None
) -> list[CertificationState]:
    """For the trainers: every agent's award in force that expires within `soon_days`, and
    those that expired in the last `expired_days`, each unless a later award of the same
    certification replaced it; soonest first. Two queries."""
    at = at or timezone.now()
    renewed = AgentCertification.objects.filter(
        user=OuterRef("user"),
        certification=OuterRef("certification"),
        revoked_at__isnull=True,
        earned_at__lte=at,
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=OuterRef("expires_at")))
    rows = (
        AgentCertification.objects.filter(
            revoked_at__isnull=True,
            expires_at__gt=at - timedelta(days=expired_days),
            expires_at__lte=at + timedelta(days=soon_days),
            user__is_active=True,
        )
        .filter(~Exists(renewed))
        .select_related("user", "certification")
        .prefetch_related("reminders")
        .order_by("expires_at", "pk")
    )
    return [
        CertificationState(
            row, "expired" if row.expires_at and row.expires_at <= at else "expiring"
        )
        for row in rows
    ]


def _lasts_longer(a: AgentCertification, b: AgentCertification) -> bool:
    if b.expires_at is None:
        return False
    return a.expires_at is None or a.expires_at > b.expires_at


def awards_of(*, user: User) -> QuerySet[AgentCertification]:
    """Every award `user` ever had, newest first (the history)."""
    return AgentCertification.objects.filter(user=user).select_related(
        "certification", "granted_by"
    )


@dataclass(frozen=True)
class Allowance:
    """A certification's allowance an agent is owed for holding it at an instant."""

    certification: str
    amount: Decimal
    currency: str
    earned_at: datetime
    expires_at: datetime | None


def certification_allowances(*, agent_ids: list[int], at: datetime) -> dict[int, list[Allowance]]:
    """For the payout statements (bonuses, docs/bonuses.md "Certification allowances"):
    per agent, the allowances of the certifications held at `at` (not revoked, earned
    before, not expired), one per certification however often it was earned; one query."""
    rows = (
        AgentCertification.objects.filter(
            active_q(at), user_id__in=agent_ids, certification__allowance_amount__isnull=False
        )
        .select_related("certification")
        .order_by("user_id", "certification__name", "earned_at", "pk")
    )
    found: dict[int, dict[int, Allowance]] = {}
    for row in rows:
        cert = row.certification
        assert cert.allowance_amount is not None  # noqa: S101 - filtered above
        found.setdefault(row.user_id, {})[cert.pk] = Allowance(
            cert.name, cert.allowance_amount, cert.allowance_currency, row.earned_at, row.expires_at
        )
    return {agent: list(certs.values()) for agent, certs in found.items()}


@dataclass
class ChecklistItem:
    kind: str  # "course", "exam", "certification"
    label: str
    done: bool
    detail: str = ""


@dataclass
class Checklist:
    paths: list[LearningPath]
    items: list[ChecklistItem] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return bool(self.items) and all(item.done for item in self.items)


def paths_for(user: User) -> QuerySet[LearningPath]:
    rows = LearningPath.objects.filter(Q(members=user) | Q(position__gt="", position=user.position))
    return rows.distinct().prefetch_related(
        Prefetch("courses", queryset=Course.objects.annotate(lesson_count=Count("lessons"))),
        "exams",
        "certifications",
    )


def checklist(*, user: User, at: datetime | None = None) -> Checklist:
    """ "Ready to go live": every course of the agent's paths done (each lesson read),
    every exam passed, every certification held now. Ready when each item is done (an agent
    with no path has nothing to check, and is not called ready)."""
    at = at or timezone.now()
    paths = list(paths_for(user))
    done_counts = course_done_counts(user=user)
    passed = set(
        ExamAttempt.objects.filter(user=user, passed=True).values_list("exam_id", flat=True)
    )
    held = {award.certification_id for award in certifications_held(user=user, at=at)}
    result = Checklist(paths)
    seen: set[tuple[str, int]] = set()
    for path in paths:
        for course in path.courses.all():
            if ("course", course.pk) in seen:
                continue
            seen.add(("course", course.pk))
            n, total = done_counts.get(course.pk, 0), course.lesson_count  # type: ignore[attr-defined]
            result.items.append(
                ChecklistItem("course", course.title, total > 0 and n >= total, f"{n}/{total}")
            )
        for exam in path.exams.all():
            if exam.archived_at is not None:
                continue  # archived: no longer something to pass
            if ("exam", exam.pk) not in seen:
                seen.add(("exam", exam.pk))
                result.items.append(ChecklistItem("exam", exam.title, exam.pk in passed))
        for cert in path.certifications.all():
            if ("certification", cert.pk) not in seen:
                seen.add(("certification", cert.pk))
                result.items.append(ChecklistItem("certification", cert.name, cert.pk in held))
    return result


def path_out(path: LearningPath) -> dict[str, object]:
    """A learning path with the ids of what it lists (for its trainers)."""
    return {
        "id": path.pk,
        "name": path.name,
        "description": path.description,
        "position": path.position,
        "course_ids": sorted(c.pk for c in path.courses.all()),
        "exam_ids": sorted(e.pk for e in path.exams.all()),
        "certification_ids": sorted(c.pk for c in path.certifications.all()),
        "member_ids": sorted(m.pk for m in path.members.all()),
    }
