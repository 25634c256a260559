"""Courses, lessons, their images, learning paths and lesson progress (docs/training.md,
"Courses and lessons")."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import filetype
from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, NotFound, ValidationError
from afterdesk.replies.models import Article
from afterdesk.training.models import (
    Certification,
    Course,
    Exam,
    LearningPath,
    Lesson,
    LessonImage,
    LessonProgress,
)

MAX_BODY = 100_000
MAX_IMAGE = 2 * 1024 * 1024
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _text(value: str, field: str, max_length: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"{field} is required", field=field)
    if len(value) > max_length:
        raise ValidationError(f"{field} must be at most {max_length} characters", field=field)
    return value


def _ids(model: type, ids: Sequence[int], field: str) -> list[int]:
    wanted = set(ids)
    found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))  # type: ignore[attr-defined]
    if missing := sorted(wanted - found):
        raise ValidationError(f"no such id {missing[0]}", field=field)
    return sorted(wanted)


@transaction.atomic
def course_save(
    *,
    course: Course | None = None,
    title: str,
    summary: str = "",
    published: bool = True,
    article_ids: Sequence[int] = (),
    by: User | None = None,
) -> Course:
    """A course and its linked knowledge-base articles (the SOPs it teaches)."""
    title = _text(title, "title", 200)
    taken = Course.objects.filter(title=title)
    if course is not None:
        taken = taken.exclude(pk=course.pk)
    if taken.exists():
        raise Conflict(f"a course titled {title!r} exists", field="title")
    articles = _ids(Article, article_ids, "article_ids")
    target = course or Course(created_by=by)
    target.title, target.summary = title, _text(summary, "summary", 5000, required=False)
    target.published = published
    target.save()
    target.articles.set(articles)
    return target


def lesson_save(
    *,
    course: Course,
    lesson: Lesson | None = None,
    title: str,
    body: str,
    position: int | None = None,
) -> Lesson:
    title = _text(title, "title", 200)
    body = _text(body, "body", MAX_BODY, required=False)
    if position is not None and not 1 <= position <= 10_000:
        raise ValidationError("position must be 1–10000", field="position")
    target = lesson or Lesson(course=course)
    if position is None and lesson is None:
        position = course.lessons.count() + 1
    target.title, target.body = title, body
    if position is not None:
        target.position = position
    target.save()
    return target


def image_upload(*, name: str, data: bytes, by: User | None = None) -> LessonImage:
    """A lesson image: PNG, JPEG, GIF or WebP by its bytes (the name and the browser's type
    are not trusted), at most 2 MB."""
    if len(data) > MAX_IMAGE:
        raise ValidationError("an image must be at most 2 MB", field="file")
    kind = filetype.guess(data)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise ValidationError("the file is not a PNG, JPEG, GIF or WebP image", field="file")
    return LessonImage.objects.create(
        name=_text(name, "name", 200), content_type=kind.mime, data=data, uploaded_by=by
    )


def lesson_complete(*, lesson: Lesson, user: User, now: datetime | None = None) -> LessonProgress:
    """Mark a lesson read; doing it twice keeps the first time."""
    if not lesson.course.published:
        raise NotFound("no such lesson")
    progress, _created = LessonProgress.objects.get_or_create(
        lesson=lesson, user=user, defaults={"completed_at": now or timezone.now()}
    )
    return progress


@transaction.atomic
def path_save(
    *,
    path: LearningPath | None = None,
    name: str,
    description: str = "",
    position: str = "",
    course_ids: Sequence[int] = (),
    exam_ids: Sequence[int] = (),
    certification_ids: Sequence[int] = (),
    member_ids: Sequence[int] = (),
) -> LearningPath:
    """A learning path for the agents of a position (`position`) and/or named agents."""
    name = _text(name, "name", 150)
    position = _text(position, "position", 64, required=False)
    taken = LearningPath.objects.filter(name=name)
    if path is not None:
        taken = taken.exclude(pk=path.pk)
    if taken.exists():
        raise Conflict(f"a learning path named {name!r} exists", field="name")
    courses = _ids(Course, course_ids, "course_ids")
    exams = _ids(Exam, exam_ids, "exam_ids")
    certifications = _ids(Certification, certification_ids, "certification_ids")
    members = _ids(User, member_ids, "member_ids")
    if not (courses or exams or certifications):
        raise ValidationError(
            "a path needs a course, an exam or a certification", field="course_ids"
        )
    target = path or LearningPath()
    target.name, target.position = name, position
    target.description = _text(description, "description", 5000, required=False)
    target.save()
    target.courses.set(courses)
    target.exams.set(exams)
    target.certifications.set(certifications)
    target.members.set(members)
    return target


def path_delete(*, path: LearningPath) -> None:
    """Delete a learning path. Nothing an agent did is lost: the path only lists what to
    learn; courses, attempts and certifications stay."""
    path.delete()
