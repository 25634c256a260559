"""The training API end to end: a trainer builds a course, a bank, an exam with a
certification; an agent learns, takes the exam, passes and holds the certification; answers
after the deadline are refused by the server's clock; reviewers grade short answers and
drills; bad input is a 4xx with a message."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from afterdesk.accounts.models import Role, User
from afterdesk.tickets import services
from afterdesk.training.models import ExamAttempt
from afterdesk.training.services.courses import path_save
from tests.api.conftest import ApiClient
from tests.factories import UserFactory
from tests.training.helpers import exam_setup

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]


@pytest.fixture
def trainer() -> User:
    return UserFactory(username="tess", role=Role.SUPERVISOR)


def put(api: ApiClient, path: str, data: object) -> object:
    return api.client.put(path, data, content_type="application/json", headers=api.headers)


def test_a_trainer_builds_and_an_agent_passes(api_as: ApiAs, trainer: User, agent: User) -> None:
    boss, me = api_as(trainer), api_as(agent)
    cert = boss.post(
        "/api/training/certifications",
        {
            "name": "Returns specialist",
            "valid_days": 365,
            "allowance_amount": "40.00",
            "allowance_currency": "EUR",
        },
    )
    assert cert.status_code == 201, cert.content
    bank = boss.post("/api/training/banks", {"name": "Returns"}).json()
    q1 = boss.post(
        f"/api/training/banks/{bank['id']}/questions",
        {
            "kind": "single",
            "text": "Withdrawal days?",
            "choices": [{"text": "14", "correct": True}, {"text": "7"}],
        },
    )
    assert q1.status_code == 201, q1.content
    q2 = boss.post(
        f"/api/training/banks/{bank['id']}/questions",
        {"kind": "true_false", "text": "Refund before return?", "true_answer": False},
    ).json()
    exam = boss.post(
        "/api/training/exams",
        {
            "title": "Returns exam",
            "bank_id": bank["id"],
            "pass_mark": 100,
            "time_limit_minutes": 10,
            "max_attempts": 3,
            "certification_id": cert.json()["id"],
        },
    )
    assert exam.status_code == 201, exam.content
    course = boss.post("/api/training/courses", {"title": "Returns 101", "summary": "Basics"})
    lesson = boss.post(
        f"/api/training/courses/{course.json()['id']}/lessons",
        {"title": "The policy", "body": "# Policy\n\n<script>alert(1)</script> **14 days**"},
    )
    assert lesson.status_code == 201
    assert "<script>" not in lesson.json()["html"]
    assert "<strong>14 days</strong>" in lesson.json()["html"]

    done = me.post(f"/api/training/lessons/{lesson.json()['id']}/complete")
    assert done.status_code == 200
    courses = me.get("/api/training/courses").json()
    assert courses == [{**courses[0], "lesson_count": 1, "lessons_done": 1}]

    started = me.post(f"/api/training/exams/{exam.json()['id']}/attempts")
    assert started.status_code == 201, started.content
    attempt = started.json()
    assert sorted(q["id"] for q in attempt["questions"]) == sorted([q1.json()["id"], q2["id"]])
    assert all("correct" not in choice for q in attempt["questions"] for choice in q["choices"])
    by_id = {q["id"]: q for q in attempt["questions"]}
    right = {q1.json()["id"]: "14", q2["id"]: "False"}
    for qid, text in right.items():
        choice = next(c["id"] for c in by_id[qid]["choices"] if c["text"] == text)
        saved = put(
            me, f"/api/training/attempts/{attempt['id']}/answers/{qid}", {"choice_ids": [choice]}
        )
        assert saved.status_code == 200, saved.content  # type: ignore[attr-defined]
    result = me.post(f"/api/training/attempts/{attempt['id']}/submit").json()
    assert (result["state"], result["percent"], result["passed"]) == ("graded", "100.00", True)
    held = me.get("/api/training/me/certifications").json()
    assert [h["certification"] for h in held] == ["Returns specialist"]
    history = me.get("/api/training/attempts").json()
    assert [(a["id"], a["passed"]) for a in history] == [(attempt["id"], True)]
    # Reopened, the attempt shows its questions in the same order.
    again = me.get(f"/api/training/attempts/{attempt['id']}").json()
    assert [q["id"] for q in again["questions"]] == [q["id"] for q in attempt["questions"]]


def test_an_answer_after_the_deadline_is_409_by_the_server_clock(
    api_as: ApiAs, agent: User
) -> None:
    setup = exam_setup()
    me = api_as(agent)
    attempt = me.post(f"/api/training/exams/{setup.exam.pk}/attempts").json()
    qid = setup.single.pk
    ok = put(
        me,
        f"/api/training/attempts/{attempt['id']}/answers/{qid}",
        {"choice_ids": setup.correct(setup.single)},
    )
    assert ok.status_code == 200  # type: ignore[attr-defined]
    # The clock moves past the deadline (the server's: nothing the client sends counts).
    ExamAttempt.objects.filter(pk=attempt["id"]).update(
        started_at=timezone.now() - timedelta(minutes=21),
        deadline=timezone.now() - timedelta(seconds=1),
    )
    late = put(
        me,
        f"/api/training/attempts/{attempt['id']}/answers/{setup.multiple.pk}",
        {"choice_ids": setup.correct(setup.multiple)},
    )
    assert late.status_code == 409  # type: ignore[attr-defined]
    body = late.json()  # type: ignore[attr-defined]
    assert "time is up" in body["message"]
    assert body["field"] == "attempt"
    closed = me.get(f"/api/training/attempts/{attempt['id']}").json()
    assert closed["state"] == "graded"
    assert [a["question_id"] for a in closed["answers"]] == [qid]  # the answer in time is kept


def test_bad_input_is_a_4xx_with_a_message(api_as: ApiAs, trainer: User, agent: User) -> None:
    boss, me = api_as(trainer), api_as(agent)
    bank = boss.post("/api/training/banks", {"name": "B"}).json()
    bad = boss.post(
        f"/api/training/banks/{bank['id']}/questions",
        {
            "kind": "single",
            "text": "?",
            "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
        },
    )
    assert bad.status_code == 422
    assert bad.json()["field"] == "choices"
    assert (
        boss.post("/api/training/exams", {"title": "E", "bank_id": bank["id"]}).status_code == 422
    )
    assert boss.post("/api/training/banks", {"name": "B"}).status_code == 409
    money = boss.post("/api/training/certifications", {"name": "C", "allowance_amount": "5"})
    assert money.status_code == 422
    assert money.json()["field"] == "allowance_currency"
    assert me.post("/api/training/courses", {"title": "x"}).status_code == 403
    assert me.get("/api/training/reviews/answers").status_code == 403
    assert me.post("/api/training/exams/999/attempts").status_code == 404
    setup = exam_setup(max_attempts=1)
    first = me.post(f"/api/training/exams/{setup.exam.pk}/attempts").json()
    me.post(f"/api/training/attempts/{first['id']}/submit")
    again = me.post(f"/api/training/exams/{setup.exam.pk}/attempts")
    assert again.status_code == 409
    assert "no attempts left" in again.json()["message"]
    other = api_as(UserFactory())
    assert other.get(f"/api/training/attempts/{first['id']}").status_code == 404
    stray = put(other, f"/api/training/attempts/{first['id']}/answers/1", {"choice_ids": [1]})
    assert stray.status_code == 404  # type: ignore[attr-defined]


def test_short_answers_and_drills_are_graded_by_reviewers(
    api_as: ApiAs, trainer: User, agent: User, qa_reviewer: User
) -> None:
    setup = exam_setup(short=True, pass_mark=50)
    me, reviewer = api_as(agent), api_as(qa_reviewer)
    attempt = me.post(f"/api/training/exams/{setup.exam.pk}/attempts").json()
    assert setup.short is not None
    put(
        me,
        f"/api/training/attempts/{attempt['id']}/answers/{setup.short.pk}",
        {"text": "We are sorry."},
    )
    assert (
        me.post(f"/api/training/attempts/{attempt['id']}/submit").json()["state"]
        == "pending_review"
    )
    queue = reviewer.get("/api/training/reviews/answers").json()
    assert [(a["question"], a["text"]) for a in queue] == [(setup.short.text, "We are sorry.")]
    graded = reviewer.post(
        f"/api/training/reviews/answers/{queue[0]['id']}", {"points": "2", "comment": "Good"}
    )
    assert graded.status_code == 200, graded.content
    final = me.get(f"/api/training/attempts/{attempt['id']}").json()
    assert (final["state"], final["percent"], final["passed"]) == ("graded", "40.00", False)
    assert reviewer.get("/api/training/reviews/answers").json() == []

    ticket = services.ticket_create(subject="Broken vase", channel="email", body="It broke.")
    drill = api_as(trainer).post(
        "/api/training/drills", {"ticket_id": ticket.pk, "title": "Breakage"}
    )
    assert drill.status_code == 201, drill.content
    reply = me.post(f"/api/training/drills/{drill.json()['id']}/responses", {"reply": "So sorry!"})
    assert reply.status_code == 201
    assert (
        me.post(f"/api/training/reviews/drills/{reply.json()['id']}", {"score": 90}).status_code
        == 403
    )
    ok = reviewer.post(
        f"/api/training/reviews/drills/{reply.json()['id']}", {"score": 85, "feedback": "Warm"}
    )
    assert ok.status_code == 200
    assert (ok.json()["score"], ok.json()["feedback"]) == (85, "Warm")
    assert (
        reviewer.post(
            f"/api/training/reviews/drills/{reply.json()['id']}", {"score": 101}
        ).status_code
        == 422
    )


def test_the_go_live_checklist(api_as: ApiAs, agent: User) -> None:
    setup = exam_setup()
    agent.position = "first_line"
    agent.save(update_fields=["position"])
    path_save(
        name="New first-line agent",
        position="first_line",
        exam_ids=[setup.exam.pk],
        certification_ids=[setup.certification.pk],
    )
    me = api_as(agent)
    before = me.get("/api/training/me/checklist").json()
    assert before["ready"] is False
    assert before["paths"] == ["New first-line agent"]
    assert [(i["kind"], i["done"]) for i in before["items"]] == [
        ("exam", False),
        ("certification", False),
    ]
    attempt = me.post(f"/api/training/exams/{setup.exam.pk}/attempts").json()
    for q in (setup.single, setup.multiple, setup.true_false):
        put(
            me,
            f"/api/training/attempts/{attempt['id']}/answers/{q.pk}",
            {"choice_ids": setup.correct(q)},
        )
    me.post(f"/api/training/attempts/{attempt['id']}/submit")
    assert me.get("/api/training/me/checklist").json()["ready"] is True
