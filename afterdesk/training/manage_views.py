"""The trainers' pages (docs/training.md, "Pages"): courses and lessons, question banks,
exams, certifications and grants, learning paths, drills made from tickets, and the
reviewers' queue of short answers and drill replies. Admins and supervisors manage; QA
reviewers also grade. A refused form is shown again with the message on it and the error's
status (422, 409), nothing saved."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from afterdesk.accounts.models import User
from afterdesk.core import errors
from afterdesk.qa.models import Rubric
from afterdesk.replies.models import Article
from afterdesk.tickets.selectors import ticket_get_for_user
from afterdesk.training import access, selectors
from afterdesk.training.models import (
    Certification,
    Course,
    Drill,
    Exam,
    LearningPath,
    Question,
    QuestionBank,
    QuestionKind,
)
from afterdesk.training.services import certifications, courses, drills, exams
from afterdesk.training.views import int_list, refusal, soon_days, user_of


def _manager(request: HttpRequest) -> User:
    user = user_of(request)
    if not access.can_manage(user):
        raise PermissionDenied("only admins and supervisors manage training")
    return user


def _grader(request: HttpRequest) -> User:
    user = user_of(request)
    if not access.can_grade(user):
        raise PermissionDenied("only admins, supervisors and QA reviewers grade answers")
    return user


def _optional_int(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise errors.ValidationError(f"{field} must be a whole number", field=field)
    return int(value)


def _pk(model: Any, value: str, field: str) -> Any:
    number = _optional_int(value, field)
    found = model.objects.filter(pk=number).first() if number else None
    if found is None:
        raise errors.ValidationError(f"pick a {field.removesuffix('_id')}", field=field)
    return found


def _page(request: HttpRequest, user: User, problem: dict[str, Any] | None) -> HttpResponse:
    context = {
        "courses": list(Course.objects.order_by("title")),
        "banks": list(QuestionBank.objects.order_by("name")),
        "exams": list(Exam.objects.select_related("bank", "certification")),
        "certifications": list(Certification.objects.all()),
        "paths": list(LearningPath.objects.all()),
        "drills": list(Drill.objects.all()[:100]),
        "agents": list(User.objects.filter(is_active=True).order_by("username")),
        "kinds": QuestionKind.choices,
        "expiring": selectors.awards_expiring_or_expired(soon_days=soon_days()),
        "problem": problem,
        "form": request.POST if problem else {},
    }
    return render(
        request, "training/manage.html", context, status=problem["status"] if problem else 200
    )


def _form_action(request: HttpRequest, act: Callable[[User], str]) -> HttpResponse:
    user = _manager(request)
    if request.method != "POST":
        return _page(request, user, None)
    try:
        target = act(user)
    except errors.DomainError as error:
        return _page(request, user, refusal(error))
    return redirect(target)


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """Everything a trainer manages on one page, each with its "new" form."""
    user = _manager(request)
    return _page(request, user, None)


@login_required
@require_POST
def course_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        course = courses.course_save(
            by=user,
            title=request.POST.get("title", ""),
            summary=request.POST.get("summary", ""),
            published=request.POST.get("published") == "on",
            article_ids=int_list(request.POST.getlist("article_ids")),
        )
        return reverse("training:course_edit", args=[course.pk])

    return _form_action(request, act)


@login_required
def course_edit(request: HttpRequest, course_id: int) -> HttpResponse:
    """A course's lessons (add one), its linked SOP articles and the lesson image upload."""
    user = _manager(request)
    course = Course.objects.filter(pk=course_id).prefetch_related("lessons", "articles").first()
    if course is None:
        raise Http404("no such course")
    problem, uploaded = None, None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "image":
                upload = request.FILES.get("file")
                if upload is None:
                    raise errors.ValidationError("choose an image file", field="file")
                if upload.size is not None and upload.size > courses.MAX_IMAGE:
                    raise errors.ValidationError("an image must be at most 2 MB", field="file")
                uploaded = courses.image_upload(
                    name=upload.name or "image", data=upload.read(), by=user
                )
            elif request.POST.get("action") == "articles":
                courses.course_save(
                    course=course,
                    title=course.title,
                    summary=course.summary,
                    published=course.published,
                    article_ids=int_list(request.POST.getlist("article_ids")),
                )
                return redirect("training:course_edit", course_id=course.pk)
            else:
                courses.lesson_save(
                    course=course,
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    position=_optional_int(request.POST.get("position", ""), "position"),
                )
                return redirect("training:course_edit", course_id=course.pk)
        except errors.DomainError as error:
            problem = refusal(error)
    context = {
        "course": course,
        "lessons": list(course.lessons.all()),
        "linked": {a.pk for a in course.articles.all()},
        "articles": list(Article.objects.only("pk", "title")),
        "problem": problem,
        "uploaded": uploaded,
        "form": request.POST if problem else {},
    }
    status = problem["status"] if problem else 201 if uploaded else 200
    return render(request, "training/course_edit.html", context, status=status)


@login_required
@require_POST
def bank_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        bank = exams.bank_save(
            name=request.POST.get("name", ""), description=request.POST.get("description", "")
        )
        return reverse("training:bank", args=[bank.pk])

    return _form_action(request, act)


def _question_fields(request: HttpRequest, *, default_points: int) -> dict[str, Any]:
    """A question's fields as its create and edit forms post them."""
    return {
        "kind": request.POST.get("kind", ""),
        "text": request.POST.get("text", ""),
        "points": _optional_int(request.POST.get("points", ""), "points") or default_points,
        "choices": _choices(request.POST.get("choices", "")),
        "true_answer": {"true": True, "false": False}.get(request.POST.get("true_answer", "")),
        "explanation": request.POST.get("explanation", ""),
    }


def _choices(text: str) -> list[exams.ChoiceIn]:
    """One choice a line; a line starting with `*` is a correct one."""
    rows = [line.strip() for line in text.splitlines() if line.strip()]
    return [exams.ChoiceIn(line.lstrip("*").strip(), line.startswith("*")) for line in rows]


@login_required
def bank(request: HttpRequest, bank_id: int) -> HttpResponse:
    """A question bank's questions and the form adding one."""
    _manager(request)
    found = QuestionBank.objects.filter(pk=bank_id).first()
    if found is None:
        raise Http404("no such question bank")
    problem = None
    if request.method == "POST":
        try:
            exams.question_create(bank=found, **_question_fields(request, default_points=1))
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:bank", bank_id=found.pk)
    context = {
        "bank": found,
        "questions": list(
            found.questions.filter(archived_at__isnull=True).prefetch_related("choices")
        ),
        "archived": found.questions.filter(archived_at__isnull=False).count(),
        "kinds": QuestionKind.choices,
        "problem": problem,
        "form": request.POST if problem else {},
    }
    return render(
        request, "training/bank.html", context, status=problem["status"] if problem else 200
    )


def _exam_fields(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    cert = post.get("certification_id", "").strip()
    return {
        "title": post.get("title", ""),
        "description": post.get("description", ""),
        "bank": _pk(QuestionBank, post.get("bank_id", ""), "bank_id"),
        "question_count": _optional_int(post.get("question_count", ""), "question_count"),
        "pass_mark": _optional_int(post.get("pass_mark", ""), "pass_mark") or 0,
        "time_limit_minutes": _optional_int(
            post.get("time_limit_minutes", ""), "time_limit_minutes"
        )
        or 0,
        "max_attempts": _optional_int(post.get("max_attempts", ""), "max_attempts"),
        "shuffle": post.get("shuffle") == "on",
        "certification_id": _pk(Certification, cert, "certification_id").pk if cert else None,
    }


@login_required
@require_POST
def exam_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        exam = exams.exam_save(**_exam_fields(request))
        return reverse("training:exam", args=[exam.pk])

    return _form_action(request, act)


def _edit_page(
    request: HttpRequest, template: str, context: dict[str, Any], problem: dict[str, Any] | None
) -> HttpResponse:
    context = {**context, "problem": problem, "form": request.POST if problem else {}}
    return render(request, template, context, status=problem["status"] if problem else 200)


@login_required
def exam_edit(request: HttpRequest, exam_id: int) -> HttpResponse:
    """An exam's form, filled in: "Save" changes it (once it has attempts, its bank,
    question count, pass mark and order are fixed: 409), "Delete" deletes an exam nobody
    attempted and archives one with attempts (they and their certifications stay)."""
    _manager(request)
    found = Exam.objects.filter(pk=exam_id).select_related("bank", "certification").first()
    if found is None:
        raise Http404("no such exam")
    problem = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                exams.exam_delete(exam=found)
                return redirect("training:manage")
            published = request.POST.get("published") == "on"
            exams.exam_save(exam=found, published=published, **_exam_fields(request))
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:exam_edit", exam_id=found.pk)
        found.refresh_from_db()
    context = {
        "exam": found,
        "attempt_count": found.attempts.count(),
        "banks": list(QuestionBank.objects.order_by("name")),
        "certifications": list(Certification.objects.all()),
    }
    return _edit_page(request, "training/exam_edit.html", context, problem)


def _choices_text(question: Question) -> str:
    return "\n".join(("*" if c.correct else "") + c.text for c in question.choices.all())


@login_required
def question_edit(request: HttpRequest, question_id: int) -> HttpResponse:
    """A question's form, filled in: "Save" changes it in place when no attempt drew it,
    otherwise archives it as it was and adds the change as a new version; "Delete" deletes
    or (drawn by an attempt) archives it."""
    _manager(request)
    found = Question.objects.filter(pk=question_id).select_related("bank").first()
    if found is None:
        raise Http404("no such question")
    problem = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                exams.question_delete(question=found)
                return redirect("training:bank", bank_id=found.bank_id)
            change = exams.question_update(
                question=found, **_question_fields(request, default_points=0)
            )
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:bank", bank_id=change.question.bank_id)
    true_choice = found.choices.filter(text="True").first()
    context = {
        "question": found,
        "kinds": QuestionKind.choices,
        "choices_text": _choices_text(found) if found.kind in ("single", "multiple") else "",
        "true_answer": (
            ("true" if true_choice.correct else "false")
            if found.kind == QuestionKind.TRUE_FALSE and true_choice is not None
            else ""
        ),
        "in_use": exams.question_in_use(found),
    }
    return _edit_page(request, "training/question_edit.html", context, problem)


def _path_fields(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "name": post.get("name", ""),
        "description": post.get("description", ""),
        "position": post.get("position", ""),
        "course_ids": int_list(post.getlist("course_ids")),
        "exam_ids": int_list(post.getlist("exam_ids")),
        "certification_ids": int_list(post.getlist("certification_ids")),
        "member_ids": int_list(post.getlist("member_ids")),
    }


@login_required
def path_edit(request: HttpRequest, path_id: int) -> HttpResponse:
    """A learning path's form, filled in: "Save" replaces it, "Delete" deletes it (what
    agents did is kept: the path only lists what to learn)."""
    _manager(request)
    found = (
        LearningPath.objects.filter(pk=path_id)
        .prefetch_related("courses", "exams", "certifications", "members")
        .first()
    )
    if found is None:
        raise Http404("no such learning path")
    problem = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                courses.path_delete(path=found)
                return redirect("training:manage")
            courses.path_save(path=found, **_path_fields(request))
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:manage")
    chosen = selectors.path_out(found)
    context = {
        "path": found,
        "chosen": chosen,
        "courses": list(Course.objects.order_by("title")),
        "exams": list(Exam.objects.filter(archived_at__isnull=True)),
        "certifications": list(Certification.objects.all()),
        "agents": list(User.objects.filter(is_active=True).order_by("username")),
    }
    return _edit_page(request, "training/path_edit.html", context, problem)


@login_required
@require_POST
def certification_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        post = request.POST
        certifications.certification_save(
            name=post.get("name", ""),
            description=post.get("description", ""),
            valid_days=_optional_int(post.get("valid_days", ""), "valid_days"),
            allowance_amount=post.get("allowance_amount", "").strip() or None,
            allowance_currency=post.get("allowance_currency", "").strip().upper(),
        )
        return reverse("training:manage")

    return _form_action(request, act)


@login_required
@require_POST
def certification_grant(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        post = request.POST
        certifications.award_grant(
            user=_pk(User, post.get("user_id", ""), "user_id"),
            certification=_pk(Certification, post.get("certification_id", ""), "certification_id"),
            by=user,
            note=post.get("note", ""),
        )
        return reverse("training:manage")

    return _form_action(request, act)


@login_required
@require_POST
def path_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        courses.path_save(**_path_fields(request))
        return reverse("training:manage")

    return _form_action(request, act)


@login_required
@require_POST
def drill_create(request: HttpRequest) -> HttpResponse:
    def act(user: User) -> str:
        ticket_id = _optional_int(request.POST.get("ticket_id", ""), "ticket_id")
        if ticket_id is None:
            raise errors.ValidationError("give the ticket's number", field="ticket_id")
        drill = drills.drill_from_ticket(
            ticket=ticket_get_for_user(user=user, ticket_id=ticket_id),
            title=request.POST.get("title", ""),
            instructions=request.POST.get("instructions", ""),
            by=user,
        )
        return reverse("training:drill", args=[drill.pk])

    return _form_action(request, act)


def _ratings(request: HttpRequest) -> dict[int, int | None]:
    """A rubric's ratings from the form: `r<category id>` = a value, or "na"."""
    ratings: dict[int, int | None] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if key.startswith("r") and key[1:].isdigit() and len(key) < 19 and value:
            ratings[int(key[1:])] = None if value == "na" else _optional_int(value, "ratings")
    return ratings


@login_required
def reviews(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: short answers and drill replies waiting for a grade (never the
    reviewer's own). POST grades one."""
    user = _grader(request)
    problem = None
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "drill":
                response = selectors.drill_response_get_for_grading(
                    user=user, response_id=_optional_int(request.POST.get("id", ""), "id") or 0
                )
                rubric_id = request.POST.get("rubric_id", "").strip()
                drills.drill_grade(
                    response=response,
                    by=user,
                    score=_optional_int(request.POST.get("score", ""), "score"),
                    rubric=_pk(Rubric, rubric_id, "rubric_id") if rubric_id else None,
                    ratings=_ratings(request),
                    feedback=request.POST.get("feedback", ""),
                )
            else:
                answer = selectors.answer_get_for_grading(
                    user=user, answer_id=_optional_int(request.POST.get("id", ""), "id") or 0
                )
                try:
                    points = Decimal(request.POST.get("points", "").strip())
                except InvalidOperation:
                    raise errors.ValidationError(
                        "points must be a number", field="points"
                    ) from None
                if not points.is_finite():
                    raise errors.ValidationError("points must be a number", field="points")
                exams.short_answer_grade(
                    answer=answer, by=user, points=points, comment=request.POST.get("comment", "")
                )
        except errors.DomainError as error:
            problem = refusal(error)
        else:
            return redirect("training:reviews")
    rubrics = list(Rubric.objects.filter(active=True).prefetch_related("categories"))
    context = {
        "rubrics": rubrics,
        "answers": list(selectors.short_answers_waiting(user=user)[:100]),
        "responses": list(selectors.drill_responses_waiting(user=user)[:100]),
        "problem": problem,
    }
    return render(
        request, "training/reviews.html", context, status=problem["status"] if problem else 200
    )
