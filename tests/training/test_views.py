"""The training pages: a trainee learns and takes an exam in HTML; trainers manage and
grade; refusals are shown on the form with a 4xx; query counts are pinned."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.qa.services import rubric_save
from afterdesk.training.models import (
    AgentCertification,
    AttemptState,
    Course,
    ExamAttempt,
    LessonImage,
)
from afterdesk.training.services.courses import course_save, lesson_save, path_save
from afterdesk.training.services.exams import answer_save, attempt_start, attempt_submit
from tests.training.helpers import exam_setup

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_agent_takes_an_exam_in_the_browser_pages(agent: User) -> None:
    setup = exam_setup()
    client = signed_in(agent)
    page = client.get(f"/training/exams/{setup.exam.pk}/")
    assert page.status_code == 200
    started = client.post(f"/training/exams/{setup.exam.pk}/")
    assert started.status_code == 302
    attempt = ExamAttempt.objects.get(user=agent)
    form = client.get(started["Location"]).content.decode()
    # The questions are shown in the attempt's order.
    shown = [int(n) for n in re.findall(r'name="q(\d+)" value', form)]
    assert list(dict.fromkeys(shown)) == attempt.question_ids
    data: dict[str, object] = {"action": "submit"}
    for question in (setup.single, setup.multiple, setup.true_false):
        data[f"q{question.pk}"] = [str(pk) for pk in setup.correct(question)]
    done = client.post(started["Location"], data)
    assert done.status_code == 302
    result = client.get(done["Location"]).content.decode()
    assert "Passed." in result
    assert "You earned the certification Returns specialist." in result
    home = client.get("/training/").content.decode()
    assert "Returns specialist" in home
    assert "passed" in home


def test_a_late_submission_is_refused_on_the_page_and_answers_in_time_kept(agent: User) -> None:
    setup = exam_setup()
    attempt = attempt_start(exam=setup.exam, user=agent)
    answer_save(
        attempt=attempt,
        user=agent,
        question_id=setup.single.pk,
        choice_ids=setup.correct(setup.single),
    )
    ExamAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = signed_in(agent).post(
        f"/training/attempts/{attempt.pk}/",
        {f"q{setup.multiple.pk}": [str(pk) for pk in setup.correct(setup.multiple)]},
    )
    assert response.status_code == 409
    assert "time is up" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.points == 1


def test_lessons_render_markdown_safely_with_images(agent: User, supervisor: User) -> None:
    client = signed_in(supervisor)
    course = course_save(title="Returns 101")
    upload = client.post(
        f"/training/manage/courses/{course.pk}/",
        {"action": "image", "file": _file("box.png", PNG)},
    )
    assert upload.status_code == 201
    image = LessonImage.objects.get()
    assert f"(image:{image.pk})" in upload.content.decode()
    fake = client.post(
        f"/training/manage/courses/{course.pk}/",
        {"action": "image", "file": _file("evil.png", b"<script>alert(1)</script>")},
    )
    assert fake.status_code == 422
    lesson = lesson_save(
        course=course,
        title="Packing",
        body=f"## Pack\n\n![box](image:{image.pk}) <img src=x onerror=alert(1)> "
        "[x](javascript:alert(1))",
    )
    page = signed_in(agent).get(f"/training/lessons/{lesson.pk}/").content.decode()
    assert f'<img src="/training/images/{image.pk}/" alt="box"' in page
    assert "<img src=x" not in page  # raw HTML stays text
    assert "onerror=alert(1)&gt;" in page
    assert 'href="javascript' not in page
    served = signed_in(agent).get(f"/training/images/{image.pk}/")
    assert served["Content-Type"] == "image/png"
    assert served.content == PNG
    assert signed_in(agent).post(f"/training/lessons/{lesson.pk}/").status_code == 302
    assert "✔" in signed_in(agent).get(f"/training/courses/{course.pk}/").content.decode()


def _file(name: str, data: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="image/png")


def test_trainers_manage_and_refusals_show_on_the_form(agent: User, supervisor: User) -> None:
    assert signed_in(agent).get("/training/manage/").status_code == 403
    assert signed_in(agent).get("/training/reviews/").status_code == 403
    client = signed_in(supervisor)
    assert client.get("/training/manage/").status_code == 200
    made = client.post("/training/manage/courses/", {"title": "Chat", "published": "on"})
    assert made.status_code == 302
    again = client.post("/training/manage/courses/", {"title": "Chat"})
    assert again.status_code == 409
    assert "a course titled" in again.content.decode()
    bad = client.post(
        "/training/manage/certifications/", {"name": "Spanish B2", "allowance_amount": "abc"}
    )
    assert bad.status_code == 422
    assert "allowance_amount" in bad.content.decode()
    good = client.post(
        "/training/manage/certifications/",
        {
            "name": "Spanish B2",
            "valid_days": "730",
            "allowance_amount": "25",
            "allowance_currency": "eur",
        },
    )
    assert good.status_code == 302
    granted = client.post(
        "/training/manage/grants/",
        {
            "user_id": agent.pk,
            "certification_id": AgentCertification._meta.get_field("certification")
            .related_model.objects.get()
            .pk,
        },  # type: ignore[union-attr]
    )
    assert granted.status_code == 302
    assert AgentCertification.objects.get(user=agent).granted_by == supervisor
    own = client.post(
        "/training/manage/grants/",
        {
            "user_id": supervisor.pk,
            "certification_id": AgentCertification.objects.get().certification_id,
        },
    )
    assert own.status_code == 403
    assert Course.objects.filter(title="Chat").count() == 1


def test_the_profile_shows_the_certifications_to_the_agent_and_trainers(
    agent: User, other_agent: User, supervisor: User
) -> None:
    setup = exam_setup()
    from afterdesk.training.services.certifications import award_grant

    award_grant(user=agent, certification=setup.certification, by=supervisor)
    url = f"/training/agents/{agent.username}/certifications/"
    mine = signed_in(agent).get(url)
    assert "Returns specialist" in mine.content.decode()
    assert "40.00 EUR" in mine.content.decode()
    assert signed_in(supervisor).get(url).status_code == 200
    assert signed_in(other_agent).get(url).status_code == 404
    page = signed_in(agent).get("/performance/me/").content.decode()
    assert url in page


def test_reviewers_grade_on_the_queue_page(agent: User, qa_reviewer: User) -> None:
    setup = exam_setup(short=True)
    attempt = attempt_start(exam=setup.exam, user=agent)
    assert setup.short is not None
    answer = answer_save(attempt=attempt, user=agent, question_id=setup.short.pk, text="Sorry")
    attempt_submit(attempt=attempt, user=agent)
    client = signed_in(qa_reviewer)
    assert "Sorry" in client.get("/training/reviews/").content.decode()
    bad = client.post("/training/reviews/", {"kind": "answer", "id": answer.pk, "points": "9"})
    assert bad.status_code == 422
    ok = client.post("/training/reviews/", {"kind": "answer", "id": answer.pk, "points": "2"})
    assert ok.status_code == 302
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED


def test_query_counts_are_pinned(
    agent: User, supervisor: User, django_assert_num_queries: object
) -> None:
    setup = exam_setup()
    course = course_save(title="Returns 101")
    for n in range(3):
        lesson_save(course=course, title=f"L{n}", body="text")
    path_save(name="Path", position="first_line", course_ids=[course.pk], exam_ids=[setup.exam.pk])
    agent.position = "first_line"
    agent.save(update_fields=["position"])
    for _ in range(2):
        attempt_submit(attempt=attempt_start(exam=setup.exam, user=agent), user=agent)
    client = signed_in(agent)
    client.get("/training/")  # warm the session and the caches
    assert_num = django_assert_num_queries
    # session, user, checklist (paths + 3 prefetches, progress, passed, held), courses,
    # progress, exams, drills, held and expired certifications, attempts.
    with assert_num(16):  # type: ignore[operator]
        assert client.get("/training/").status_code == 200
    attempt = ExamAttempt.objects.filter(user=agent).first()
    assert attempt is not None
    with assert_num(6):  # type: ignore[operator]
        assert client.get(f"/training/attempts/{attempt.pk}/").status_code == 200
    with assert_num(6):  # type: ignore[operator]
        assert client.get(f"/training/courses/{course.pk}/").status_code == 200
    manager = signed_in(supervisor)
    manager.get("/training/manage/")
    # ... and the certifications expiring or expired (their reminders prefetched when any).
    with assert_num(10):  # type: ignore[operator]
        assert manager.get("/training/manage/").status_code == 200
    rubric_save(
        by=supervisor,
        name="Drills",
        categories=[{"name": "Tone", "weight": 1, "scale": "1-5"}],
    )
    # session, user, active rubrics + their categories, short answers, drill replies
    with assert_num(6):  # type: ignore[operator]
        assert manager.get("/training/reviews/").status_code == 200
