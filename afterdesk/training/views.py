"""The trainee's pages (docs/training.md, "Pages"): my learning, a course and its lessons,
an exam and its attempts, a drill, and the certifications shown on an agent's profile.
Thin: each calls `access`/`selectors`, one service, and renders; a refusal is shown on the
page with the error's status (4xx)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.training import access, selectors
from afterdesk.training.markdown import render_markdown
from afterdesk.training.models import AttemptState, LessonImage
from afterdesk.training.services import courses, drills, exams
from afterdesk.training.services.reminders import reminder_days


def user_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - login_required
    return user


def refusal(error: errors.DomainError) -> dict[str, Any]:
    """A service's refusal for the page: 404 and 403 are the page's answer instead."""
    if isinstance(error, errors.NotFound):
        raise Http404(error.message)
    if isinstance(error, errors.PermissionDenied):
        raise PermissionDenied(error.message)
    return {"message": error.message, "field": error.field, "status": error.status}


def soon_days() -> int:
    """How near an expiry is shown as "expires soon": the farthest reminder threshold."""
    days = reminder_days()
    return days[-1] if days else 30


def int_list(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 19]


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """My learning: the go-live checklist, courses, exams, drills, certifications, results."""
    user = user_of(request)
    counts = selectors.course_done_counts(user=user)
    course_rows = [(c, counts.get(c.pk, 0)) for c in selectors.courses_visible(user)]
    context = {
        "checklist": selectors.checklist(user=user),
        "courses": course_rows,
        "exams": list(selectors.exams_visible(user)),
        "drills": list(selectors.drills_visible(user)[:50]),
        "cert_states": selectors.certification_states(user=user, soon_days=soon_days()),
        "attempts": list(selectors.attempts_of(user=user)[:50]),
        "can_manage": access.can_manage(user),
        "can_grade": access.can_grade(user),
    }
    return render(request, "training/home.html", context)


@login_required
@require_GET
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        found = selectors.course_get(user=user, course_id=course_id)
    except errors.DomainError as error:
        refusal(error)
        raise
    done = selectors.lessons_done(user=user)
    context = {"course": found, "lessons": list(found.lessons.all()), "done": done}
    return render(request, "training/course.html", context)


@login_required
def lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        found = selectors.lesson_get(user=user, lesson_id=lesson_id)
        if request.method == "POST":
            courses.lesson_complete(lesson=found, user=user)
            return redirect("training:course", course_id=found.course_id)
    except errors.DomainError as error:
        refusal(error)
        raise
    done = found.pk in selectors.lessons_done(user=user)
    context = {"lesson": found, "html": render_markdown(found.body), "done": done}
    return render(request, "training/lesson.html", context)


@login_required
@require_GET
def image(request: HttpRequest, image_id: int) -> HttpResponse:
    found = LessonImage.objects.filter(pk=image_id).only("data", "content_type").first()
    if found is None:
        raise Http404("no such image")
    response = HttpResponse(bytes(found.data), content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def exam(request: HttpRequest, exam_id: int) -> HttpResponse:
    """An exam's rules and the caller's attempts; POST starts (or resumes) an attempt."""
    user = user_of(request)
    try:
        found = selectors.exam_get(user=user, exam_id=exam_id)
    except errors.DomainError as error:
        refusal(error)
        raise
    problem = None
    if request.method == "POST":
        try:
            attempt = exams.attempt_start(exam=found, user=user)
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:attempt", attempt_id=attempt.pk)
    attempts = list(selectors.attempts_of(user=user).filter(exam=found))
    context = {"exam": found, "attempts": attempts, "problem": problem}
    return render(
        request, "training/exam.html", context, status=problem["status"] if problem else 200
    )


def _answers_save(request: HttpRequest, user: User, attempt: Any) -> None:
    """Every answer the form holds, each through the service (refused after the deadline)."""
    for question_id in attempt.question_ids:
        choices = int_list(request.POST.getlist(f"q{question_id}"))
        text = request.POST.get(f"t{question_id}", "")
        if not choices and not text.strip():
            continue
        exams.answer_save(
            attempt=attempt, user=user, question_id=question_id, choice_ids=choices, text=text
        )


@login_required
def attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """An attempt: its questions in the attempt's order while in progress (POST saves the
    answers, and submits with `action=submit`); its result once closed."""
    user = user_of(request)
    try:
        found = selectors.attempt_get(user=user, attempt_id=attempt_id)
    except errors.DomainError as error:
        refusal(error)
        raise
    if found.user_id != user.pk and request.method == "POST":
        raise Http404("no such attempt")
    problem = None
    if request.method == "POST":
        try:
            _answers_save(request, user, found)
            if request.POST.get("action") == "submit":
                exams.attempt_submit(attempt=found, user=user)
                return redirect("training:attempt", attempt_id=found.pk)
        except errors.DomainError as error:
            problem = refusal(error)
        found = selectors.attempt_get(user=user, attempt_id=attempt_id)
    elif found.state == AttemptState.IN_PROGRESS and found.deadline <= timezone.now():
        # Found past its deadline: closed now with what was saved in time.
        found = exams.attempt_submit(attempt=found, user=found.user)
    items = selectors.attempt_items(found)
    for item in items:
        item.chosen = set(item.answer.choice_ids) if item.answer else set()  # type: ignore[attr-defined]
    context = {
        "attempt": found,
        "exam": found.exam,
        "items": items,
        "problem": problem,
        "in_progress": found.state == AttemptState.IN_PROGRESS,
        "award": getattr(found, "award", None) if found.passed else None,
    }
    return render(
        request, "training/attempt.html", context, status=problem["status"] if problem else 200
    )


@login_required
def drill(request: HttpRequest, drill_id: int) -> HttpResponse:
    user = user_of(request)
    try:
        found = selectors.drill_get(user=user, drill_id=drill_id)
    except errors.DomainError as error:
        refusal(error)
        raise
    problem = None
    if request.method == "POST":
        try:
            drills.drill_respond(drill=found, user=user, reply=request.POST.get("reply", ""))
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:drill", drill_id=found.pk)
    responses = list(found.responses.filter(user=user))
    context = {"drill": found, "responses": responses, "problem": problem}
    return render(
        request, "training/drill.html", context, status=problem["status"] if problem else 200
    )


@login_required
@require_GET
def agent_certifications(request: HttpRequest, username: str) -> HttpResponse:
    """The certifications an agent holds, for their profile (the Performance page of the
    agent loads it): the agent themselves and trainers see it, anyone else gets 404."""
    viewer = user_of(request)
    agent = User.objects.filter(username=username).first()
    if agent is None or not (agent.pk == viewer.pk or access.can_manage(viewer)):
        raise Http404("no such agent")
    states = selectors.certification_states(user=agent, soon_days=soon_days())
    context = {"agent": agent, "cert_states": states}
    return render(request, "training/partials/profile_certifications.html", context)
