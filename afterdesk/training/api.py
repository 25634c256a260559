"""The training API (docs/training.md, "API"). The access rule is `training.access`, the one
the pages use; a write some roles may not make is refused before its body is read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import User
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Id
from afterdesk.core.errors import NotFound
from afterdesk.qa.models import Rubric
from afterdesk.tickets.selectors import ticket_get_for_user
from afterdesk.training import access, selectors
from afterdesk.training.markdown import render_markdown
from afterdesk.training.models import (
    AgentCertification,
    Certification,
    Course,
    Drill,
    DrillResponse,
    Exam,
    ExamAttempt,
    LearningPath,
    LessonProgress,
    Question,
    QuestionBank,
)
from afterdesk.training.schemas import (
    TrainingAnswerIn,
    TrainingAnswerOut,
    TrainingAttemptDetailOut,
    TrainingAttemptOut,
    TrainingAwardOut,
    TrainingBankIn,
    TrainingBankOut,
    TrainingCertificationIn,
    TrainingCertificationOut,
    TrainingChecklistOut,
    TrainingCourseDetailOut,
    TrainingCourseIn,
    TrainingCourseOut,
    TrainingDrillGradeIn,
    TrainingDrillIn,
    TrainingDrillOut,
    TrainingDrillReplyIn,
    TrainingDrillResponseOut,
    TrainingExamIn,
    TrainingExamOut,
    TrainingGrantIn,
    TrainingLessonIn,
    TrainingLessonOut,
    TrainingPathDetailOut,
    TrainingPathIn,
    TrainingPathOut,
    TrainingPendingAnswerOut,
    TrainingProgressOut,
    TrainingQuestionChangeOut,
    TrainingQuestionIn,
    TrainingQuestionManageOut,
    TrainingQuestionOut,
    TrainingRemovedOut,
    TrainingShortGradeIn,
)
from afterdesk.training.services import certifications, courses, drills, exams

router = Router(tags=["training"])
MANAGE = requires(access.manage_require)
GRADE = requires(access.grade_require)


def _course_out(user: User, course_id: int) -> dict[str, Any]:
    course = selectors.course_get(user=user, course_id=course_id)
    done = selectors.lessons_done(user=user)
    lessons = list(course.lessons.all())
    return {
        "id": course.pk,
        "title": course.title,
        "summary": course.summary,
        "published": course.published,
        "lesson_count": len(lessons),
        "lessons_done": sum(1 for lesson in lessons if lesson.pk in done),
        "lessons": [
            {
                "id": lesson.pk,
                "position": lesson.position,
                "title": lesson.title,
                "body": lesson.body,
                "html": render_markdown(lesson.body),
                "done": lesson.pk in done,
            }
            for lesson in lessons
        ],
        "articles": list(course.articles.all()),
    }


@router.get("/training/courses", response={200: list[TrainingCourseOut], **READ_ERRORS})
def training_courses(request: HttpRequest) -> list[Course]:
    user = request_user(request)
    counts = selectors.course_done_counts(user=user)
    rows = list(selectors.courses_visible(user))
    for course in rows:
        course.lessons_done = counts.get(course.pk, 0)  # type: ignore[attr-defined]
    return rows


@router.get("/training/courses/{course_id}", response={200: TrainingCourseDetailOut, **READ_ERRORS})
def training_course(request: HttpRequest, course_id: Id) -> dict[str, Any]:
    return _course_out(request_user(request), course_id)


@router.post(
    "/training/courses", response={201: TrainingCourseDetailOut, **WRITE_ERRORS}, auth=MANAGE
)
def training_course_create(
    request: HttpRequest, payload: TrainingCourseIn
) -> Status[dict[str, Any]]:
    user = request_user(request)
    course = courses.course_save(by=user, **payload.model_dump())
    return Status(201, _course_out(user, course.pk))


@router.put(
    "/training/courses/{course_id}",
    response={200: TrainingCourseDetailOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_course_update(
    request: HttpRequest, course_id: Id, payload: TrainingCourseIn
) -> dict[str, Any]:
    user = request_user(request)
    course = selectors.course_get(user=user, course_id=course_id)
    courses.course_save(course=course, **payload.model_dump())
    return _course_out(user, course_id)


@router.post(
    "/training/courses/{course_id}/lessons",
    response={201: TrainingLessonOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_lesson_create(
    request: HttpRequest, course_id: Id, payload: TrainingLessonIn
) -> Status[dict[str, Any]]:
    course = selectors.course_get(user=request_user(request), course_id=course_id)
    lesson = courses.lesson_save(course=course, **payload.model_dump())
    out = {"id": lesson.pk, "position": lesson.position, "title": lesson.title, "body": lesson.body}
    return Status(201, {**out, "html": render_markdown(lesson.body)})


@router.post(
    "/training/lessons/{lesson_id}/complete", response={200: TrainingProgressOut, **WRITE_ERRORS}
)
def training_lesson_complete(request: HttpRequest, lesson_id: Id) -> LessonProgress:
    user = request_user(request)
    lesson = selectors.lesson_get(user=user, lesson_id=lesson_id)
    return courses.lesson_complete(lesson=lesson, user=user)


@router.post("/training/banks", response={201: TrainingBankOut, **WRITE_ERRORS}, auth=MANAGE)
def training_bank_create(request: HttpRequest, payload: TrainingBankIn) -> Status[QuestionBank]:
    return Status(201, exams.bank_save(**payload.model_dump()))


@router.post(
    "/training/banks/{bank_id}/questions",
    response={201: TrainingQuestionOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_question_create(
    request: HttpRequest, bank_id: Id, payload: TrainingQuestionIn
) -> Status[Any]:
    bank = QuestionBank.objects.filter(pk=bank_id).first()
    if bank is None:
        raise NotFound("no such question bank")
    data = payload.model_dump()
    data["choices"] = [exams.ChoiceIn(c["text"], c["correct"]) for c in data["choices"]]
    question = exams.question_create(bank=bank, **data)
    return Status(201, question)


def _bank(bank_id: int) -> QuestionBank:
    bank = QuestionBank.objects.filter(pk=bank_id).first()
    if bank is None:
        raise NotFound("no such question bank")
    return bank


def _question(question_id: int) -> Question:
    question = Question.objects.filter(pk=question_id).first()
    if question is None:
        raise NotFound("no such question")
    return question


@router.get(
    "/training/banks/{bank_id}/questions",
    response={200: list[TrainingQuestionManageOut], **READ_ERRORS},
    auth=MANAGE,
)
def training_bank_questions(
    request: HttpRequest, bank_id: Id, archived: bool = False
) -> list[Question]:
    """A bank's questions with their correct choices (`archived=true`: the archived ones
    too)."""
    rows = _bank(bank_id).questions.prefetch_related("choices")
    return list(rows if archived else rows.filter(archived_at__isnull=True))


@router.put(
    "/training/questions/{question_id}",
    response={200: TrainingQuestionChangeOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_question_update(
    request: HttpRequest, question_id: Id, payload: TrainingQuestionIn
) -> dict[str, Any]:
    """Change a question: in place when no attempt drew it; otherwise it is archived as it
    was and the change is a new version with a new id (`versioned`)."""
    data = payload.model_dump()
    data["choices"] = [exams.ChoiceIn(c["text"], c["correct"]) for c in data["choices"]]
    change = exams.question_update(question=_question(question_id), **data)
    question = Question.objects.prefetch_related("choices").get(pk=change.question.pk)
    out = TrainingQuestionManageOut.from_orm(question).model_dump()
    return {**out, "versioned": change.versioned}


@router.delete(
    "/training/questions/{question_id}",
    response={200: TrainingRemovedOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_question_delete(request: HttpRequest, question_id: Id) -> dict[str, Any]:
    """Deleted when no attempt drew it, archived otherwise (409 when it is the last
    question of a bank an exam draws from)."""
    outcome = exams.question_delete(question=_question(question_id))
    return {"id": question_id, "outcome": outcome}


@router.get("/training/exams", response={200: list[TrainingExamOut], **READ_ERRORS})
def training_exams(request: HttpRequest) -> list[Exam]:
    return list(selectors.exams_visible(request_user(request)))


@router.post("/training/exams", response={201: TrainingExamOut, **WRITE_ERRORS}, auth=MANAGE)
def training_exam_create(request: HttpRequest, payload: TrainingExamIn) -> Status[Exam]:
    data = payload.model_dump()
    bank = QuestionBank.objects.filter(pk=data.pop("bank_id")).first()
    if bank is None:
        raise NotFound("no such question bank")
    if (
        data["certification_id"]
        and not Certification.objects.filter(pk=data["certification_id"]).exists()
    ):
        raise NotFound("no such certification")
    return Status(201, exams.exam_save(bank=bank, **data))


@router.put(
    "/training/exams/{exam_id}", response={200: TrainingExamOut, **WRITE_ERRORS}, auth=MANAGE
)
def training_exam_update(request: HttpRequest, exam_id: Id, payload: TrainingExamIn) -> Exam:
    """Change an exam. Once it has attempts, its bank, question count, pass mark and
    order are fixed (409: archive it and create a new exam); an archived exam: 409."""
    exam = selectors.exam_get(user=request_user(request), exam_id=exam_id)
    data = payload.model_dump()
    bank = _bank(data.pop("bank_id"))
    if (
        data["certification_id"]
        and not Certification.objects.filter(pk=data["certification_id"]).exists()
    ):
        raise NotFound("no such certification")
    return exams.exam_save(exam=exam, bank=bank, **data)


@router.delete(
    "/training/exams/{exam_id}", response={200: TrainingRemovedOut, **WRITE_ERRORS}, auth=MANAGE
)
def training_exam_delete(request: HttpRequest, exam_id: Id) -> dict[str, Any]:
    """Deleted when nobody attempted it; archived otherwise (attempts and the
    certifications they earned are kept)."""
    exam = selectors.exam_get(user=request_user(request), exam_id=exam_id)
    return {"id": exam_id, "outcome": exams.exam_delete(exam=exam)}


def _attempt_out(attempt: ExamAttempt) -> dict[str, Any]:
    items = selectors.attempt_items(attempt)
    fields = TrainingAttemptOut.model_fields
    return {
        **{name: getattr(attempt, name) for name in fields},
        "questions": [item.question for item in items],
        "answers": [item.answer for item in items if item.answer is not None],
    }


@router.post(
    "/training/exams/{exam_id}/attempts",
    response={201: TrainingAttemptDetailOut, **WRITE_ERRORS},
)
def training_attempt_start(request: HttpRequest, exam_id: Id) -> Status[dict[str, Any]]:
    user = request_user(request)
    exam = selectors.exam_get(user=user, exam_id=exam_id)
    return Status(201, _attempt_out(exams.attempt_start(exam=exam, user=user)))


@router.get("/training/attempts", response={200: list[TrainingAttemptOut], **READ_ERRORS})
def training_attempts(request: HttpRequest) -> list[ExamAttempt]:
    """The caller's results history, newest first."""
    return list(selectors.attempts_of(user=request_user(request))[:200])


@router.get(
    "/training/attempts/{attempt_id}", response={200: TrainingAttemptDetailOut, **READ_ERRORS}
)
def training_attempt(request: HttpRequest, attempt_id: Id) -> dict[str, Any]:
    return _attempt_out(selectors.attempt_get(user=request_user(request), attempt_id=attempt_id))


def _own_attempt(user: User, attempt_id: int) -> ExamAttempt:
    attempt = selectors.attempts_of(user=user).filter(pk=attempt_id).first()
    if attempt is None:
        raise NotFound("no such attempt")
    return attempt


@router.put(
    "/training/attempts/{attempt_id}/answers/{question_id}",
    response={200: TrainingAnswerOut, **WRITE_ERRORS},
)
def training_answer(
    request: HttpRequest, attempt_id: Id, question_id: Id, payload: TrainingAnswerIn
) -> Any:
    """Save an answer. After the attempt's deadline (the server's clock): 409."""
    user = request_user(request)
    attempt = _own_attempt(user, attempt_id)
    return exams.answer_save(
        attempt=attempt,
        user=user,
        question_id=question_id,
        choice_ids=payload.choice_ids,
        text=payload.text,
    )


@router.post(
    "/training/attempts/{attempt_id}/submit", response={200: TrainingAttemptOut, **WRITE_ERRORS}
)
def training_attempt_submit(request: HttpRequest, attempt_id: Id) -> ExamAttempt:
    user = request_user(request)
    return exams.attempt_submit(attempt=_own_attempt(user, attempt_id), user=user)


@router.get(
    "/training/certifications", response={200: list[TrainingCertificationOut], **READ_ERRORS}
)
def training_certifications(request: HttpRequest) -> list[Certification]:
    return list(Certification.objects.all())


@router.post(
    "/training/certifications",
    response={201: TrainingCertificationOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_certification_create(
    request: HttpRequest, payload: TrainingCertificationIn
) -> Status[Certification]:
    return Status(201, certifications.certification_save(**payload.model_dump()))


@router.post(
    "/training/certifications/{certification_id}/grants",
    response={201: TrainingAwardOut, **WRITE_ERRORS},
    auth=MANAGE,
)
def training_certification_grant(
    request: HttpRequest, certification_id: Id, payload: TrainingGrantIn
) -> Status[AgentCertification]:
    certification = Certification.objects.filter(pk=certification_id).first()
    if certification is None:
        raise NotFound("no such certification")
    agent = User.objects.filter(pk=payload.user_id, is_active=True).first()
    if agent is None:
        raise NotFound("no such agent")
    award = certifications.award_grant(
        user=agent, certification=certification, by=request_user(request), note=payload.note
    )
    return Status(201, award)


@router.get("/training/me/certifications", response={200: list[TrainingAwardOut], **READ_ERRORS})
def training_my_certifications(request: HttpRequest) -> list[AgentCertification]:
    """Every certification the caller has held (expired and revoked ones too)."""
    return list(selectors.awards_of(user=request_user(request))[:200])


@router.get("/training/me/checklist", response={200: TrainingChecklistOut, **READ_ERRORS})
def training_my_checklist(request: HttpRequest) -> dict[str, Any]:
    result = selectors.checklist(user=request_user(request))
    return {"ready": result.ready, "paths": [p.name for p in result.paths], "items": result.items}


@router.post("/training/paths", response={201: TrainingPathOut, **WRITE_ERRORS}, auth=MANAGE)
def training_path_create(request: HttpRequest, payload: TrainingPathIn) -> Status[LearningPath]:
    return Status(201, courses.path_save(**payload.model_dump()))


def _path(path_id: int) -> LearningPath:
    path = LearningPath.objects.filter(pk=path_id).first()
    if path is None:
        raise NotFound("no such learning path")
    return path


@router.get(
    "/training/paths", response={200: list[TrainingPathDetailOut], **READ_ERRORS}, auth=MANAGE
)
def training_paths(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        selectors.path_out(path)
        for path in LearningPath.objects.prefetch_related(
            "courses", "exams", "certifications", "members"
        )
    ]


@router.put(
    "/training/paths/{path_id}", response={200: TrainingPathDetailOut, **WRITE_ERRORS}, auth=MANAGE
)
def training_path_update(
    request: HttpRequest, path_id: Id, payload: TrainingPathIn
) -> dict[str, Any]:
    """Replace a path's name, description, position and lists (each list whole)."""
    path = courses.path_save(path=_path(path_id), **payload.model_dump())
    return selectors.path_out(path)


@router.delete(
    "/training/paths/{path_id}", response={200: TrainingRemovedOut, **WRITE_ERRORS}, auth=MANAGE
)
def training_path_delete(request: HttpRequest, path_id: Id) -> dict[str, Any]:
    """Delete a path: only the list of what to learn goes; nothing an agent did."""
    courses.path_delete(path=_path(path_id))
    return {"id": path_id, "outcome": "deleted"}


@router.get("/training/drills", response={200: list[TrainingDrillOut], **READ_ERRORS})
def training_drills(request: HttpRequest) -> list[Drill]:
    return list(selectors.drills_visible(request_user(request))[:200])


@router.get("/training/drills/{drill_id}", response={200: TrainingDrillOut, **READ_ERRORS})
def training_drill(request: HttpRequest, drill_id: Id) -> Drill:
    return selectors.drill_get(user=request_user(request), drill_id=drill_id)


@router.post("/training/drills", response={201: TrainingDrillOut, **WRITE_ERRORS}, auth=MANAGE)
def training_drill_create(request: HttpRequest, payload: TrainingDrillIn) -> Status[Drill]:
    user = request_user(request)
    ticket = ticket_get_for_user(user=user, ticket_id=payload.ticket_id)
    drill = drills.drill_from_ticket(
        ticket=ticket, title=payload.title, instructions=payload.instructions, by=user
    )
    return Status(201, drill)


@router.post(
    "/training/drills/{drill_id}/responses",
    response={201: TrainingDrillResponseOut, **WRITE_ERRORS},
)
def training_drill_respond(
    request: HttpRequest, drill_id: Id, payload: TrainingDrillReplyIn
) -> Status[DrillResponse]:
    user = request_user(request)
    drill = selectors.drill_get(user=user, drill_id=drill_id)
    return Status(201, drills.drill_respond(drill=drill, user=user, reply=payload.reply))


@router.get(
    "/training/reviews/answers",
    response={200: list[TrainingPendingAnswerOut], **READ_ERRORS},
    auth=GRADE,
)
def training_answers_waiting(request: HttpRequest) -> list[Any]:
    return list(selectors.short_answers_waiting(user=request_user(request))[:200])


@router.post(
    "/training/reviews/answers/{answer_id}",
    response={200: TrainingAnswerOut, **WRITE_ERRORS},
    auth=GRADE,
)
def training_answer_grade(
    request: HttpRequest, answer_id: Id, payload: TrainingShortGradeIn
) -> Any:
    user = request_user(request)
    answer = selectors.answer_get_for_grading(user=user, answer_id=answer_id)
    return exams.short_answer_grade(
        answer=answer, by=user, points=payload.points, comment=payload.comment
    )


@router.get(
    "/training/reviews/drills",
    response={200: list[TrainingDrillResponseOut], **READ_ERRORS},
    auth=GRADE,
)
def training_drill_replies_waiting(request: HttpRequest) -> list[DrillResponse]:
    return list(selectors.drill_responses_waiting(user=request_user(request))[:200])


@router.post(
    "/training/reviews/drills/{response_id}",
    response={200: TrainingDrillResponseOut, **WRITE_ERRORS},
    auth=GRADE,
)
def training_drill_grade(
    request: HttpRequest, response_id: Id, payload: TrainingDrillGradeIn
) -> DrillResponse:
    user = request_user(request)
    response = selectors.drill_response_get_for_grading(user=user, response_id=response_id)
    rubric = None
    if payload.rubric_id is not None:
        rubric = Rubric.objects.filter(pk=payload.rubric_id).first()
        if rubric is None:
            raise NotFound("no such rubric")
    return drills.drill_grade(
        response=response,
        by=user,
        score=payload.score,
        rubric=rubric,
        ratings={int(k): v for k, v in payload.ratings.items()},
        feedback=payload.feedback,
    )
