"""Trainers edit and remove questions, exams and learning paths (docs/training.md, "Editing
and removing"): nothing an agent did is lost. A question an attempt drew is archived and
its change becomes a new version; an exam with attempts keeps how they were drawn and
graded, and is archived instead of deleted; paths are edited and deleted freely."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.training import selectors
from afterdesk.training.models import (
    AgentCertification,
    Choice,
    Exam,
    ExamAttempt,
    LearningPath,
    Question,
)
from afterdesk.training.services.courses import path_delete, path_save
from afterdesk.training.services.exams import (
    ChoiceIn,
    answer_save,
    attempt_start,
    attempt_submit,
    exam_delete,
    exam_save,
    question_delete,
    question_update,
)
from tests.api.conftest import ApiClient
from tests.training.helpers import ExamSetup, exam_setup

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def passed_attempt(setup: ExamSetup, agent: User) -> ExamAttempt:
    attempt = attempt_start(exam=setup.exam, user=agent)
    for question in (setup.single, setup.multiple, setup.true_false):
        answer_save(
            attempt=attempt, user=agent, question_id=question.pk, choice_ids=setup.correct(question)
        )
    return attempt_submit(attempt=attempt, user=agent)


SINGLE = {
    "kind": "single",
    "text": "How many days is the withdrawal period in the EU?",
    "choices": [ChoiceIn("14", True), ChoiceIn("28", False)],
}


# Questions


def test_a_question_no_attempt_drew_is_changed_in_place() -> None:
    setup = exam_setup()
    change = question_update(question=setup.single, points=3, **SINGLE)  # type: ignore[arg-type]
    assert not change.versioned
    assert change.question.pk == setup.single.pk
    setup.single.refresh_from_db()
    assert (setup.single.text, setup.single.points, setup.single.archived_at) == (
        SINGLE["text"],
        3,
        None,
    )
    assert list(setup.single.choices.values_list("text", "correct")) == [
        ("14", True),
        ("28", False),
    ]


def test_a_question_an_attempt_drew_is_kept_and_the_change_is_a_new_version(
    agent: User,
) -> None:
    setup = exam_setup()
    attempt = passed_attempt(setup, agent)
    old_text = setup.single.text
    old_choices = list(setup.single.choices.values_list("pk", "text", "correct"))

    change = question_update(question=setup.single, **SINGLE)  # type: ignore[arg-type]

    assert change.versioned
    new = change.question
    assert new.pk != setup.single.pk
    assert new.replaces_id == setup.single.pk
    assert new.bank_id == setup.bank.pk
    setup.single.refresh_from_db()
    assert setup.single.archived_at is not None
    # The past attempt still shows the question, its choices and its grade as they were.
    attempt.refresh_from_db()
    items = selectors.attempt_items(attempt)
    shown = {item.question.pk: item for item in items}
    assert shown[setup.single.pk].question.text == old_text
    assert list(
        Choice.objects.filter(question=setup.single).values_list("pk", "text", "correct")
    ) == (old_choices)
    assert attempt.passed is True
    assert attempt.percent is not None
    # An archived question does not change again.
    with pytest.raises(Conflict):
        question_update(question=setup.single, **SINGLE)  # type: ignore[arg-type]


def test_a_new_attempt_draws_the_new_version_not_the_archived_one(agent: User) -> None:
    setup = exam_setup(max_attempts=None)
    passed_attempt(setup, agent)
    new = question_update(question=setup.single, **SINGLE).question  # type: ignore[arg-type]
    second = attempt_start(exam=setup.exam, user=agent)
    assert new.pk in second.question_ids
    assert setup.single.pk not in second.question_ids


def test_a_bad_question_change_is_refused_and_nothing_changes(agent: User) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    two_correct = [ChoiceIn("14", True), ChoiceIn("28", True)]
    with pytest.raises(ValidationError) as refused:
        question_update(question=setup.single, kind="single", text="x", choices=two_correct)
    assert refused.value.field == "choices"
    setup.single.refresh_from_db()
    assert setup.single.archived_at is None
    assert Question.objects.filter(bank=setup.bank).count() == 3


def test_removing_a_question_deletes_it_or_archives_it_when_an_attempt_drew_it(
    agent: User,
) -> None:
    setup = exam_setup()
    extra = question_update(question=setup.single, **SINGLE).question  # type: ignore[arg-type]
    assert question_delete(question=extra) == "deleted"
    assert not Question.objects.filter(pk=extra.pk).exists()

    setup = exam_setup_again(agent)
    assert question_delete(question=setup.multiple) == "archived"
    assert question_delete(question=setup.multiple) == "archived"  # twice: no change
    setup.multiple.refresh_from_db()
    assert setup.multiple.archived_at is not None
    assert ExamAttempt.objects.get(user=agent).answers.filter(question=setup.multiple).exists()


def exam_setup_again(agent: User) -> ExamSetup:
    Exam.objects.all().delete()
    Question.objects.all().delete()
    from afterdesk.training.models import Certification, QuestionBank

    QuestionBank.objects.all().delete()
    Certification.objects.all().delete()
    setup = exam_setup()
    passed_attempt(setup, agent)
    return setup


def test_the_last_question_of_a_bank_an_exam_draws_from_is_not_removed() -> None:
    setup = exam_setup()
    question_delete(question=setup.single)
    question_delete(question=setup.multiple)
    with pytest.raises(Conflict) as refused:
        question_delete(question=setup.true_false)
    assert "last question" in refused.value.message
    assert Question.objects.filter(pk=setup.true_false.pk, archived_at__isnull=True).exists()


# Exams


def exam_fields(setup: ExamSetup, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "title": setup.exam.title,
        "bank": setup.bank,
        "question_count": setup.exam.question_count,
        "pass_mark": setup.exam.pass_mark,
        "time_limit_minutes": setup.exam.time_limit_minutes,
        "max_attempts": setup.exam.max_attempts,
        "shuffle": setup.exam.shuffle,
        "certification_id": setup.certification.pk,
    }
    return {**fields, **changes}


def test_an_exam_without_attempts_changes_freely() -> None:
    setup = exam_setup()
    exam_save(exam=setup.exam, **exam_fields(setup, pass_mark=90, shuffle=False))  # type: ignore[arg-type]
    setup.exam.refresh_from_db()
    assert (setup.exam.pass_mark, setup.exam.shuffle) == (90, False)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pass_mark": 90}, "pass_mark"),
        ({"question_count": 2}, "question_count"),
        ({"shuffle": False}, "shuffle"),
    ],
)
def test_an_exam_with_attempts_keeps_how_they_were_drawn_and_graded(
    agent: User, change: dict[str, object], field: str
) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    with pytest.raises(Conflict) as refused:
        exam_save(exam=setup.exam, **exam_fields(setup, title="Renamed", **change))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert "archive it" in refused.value.message
    setup.exam.refresh_from_db()
    assert (setup.exam.title, setup.exam.pass_mark) == ("Returns exam", 60)


def test_an_exam_with_attempts_may_change_its_title_and_time_limit(agent: User) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    exam_save(exam=setup.exam, **exam_fields(setup, title="Returns 2027", time_limit_minutes=45))  # type: ignore[arg-type]
    setup.exam.refresh_from_db()
    assert (setup.exam.title, setup.exam.time_limit_minutes) == ("Returns 2027", 45)


def test_an_exam_nobody_attempted_is_deleted_and_leaves_its_paths() -> None:
    setup = exam_setup()
    path = path_save(name="New agent", exam_ids=[setup.exam.pk])
    assert exam_delete(exam=setup.exam) == "deleted"
    assert not Exam.objects.filter(pk=setup.exam.pk).exists()
    assert list(path.exams.all()) == []


def test_an_exam_with_attempts_is_archived_and_nothing_the_agent_did_is_lost(
    agent: User, supervisor: User
) -> None:
    setup = exam_setup()
    path_save(name="New agent", exam_ids=[setup.exam.pk], member_ids=[agent.pk])
    attempt = passed_attempt(setup, agent)
    assert exam_delete(exam=setup.exam) == "archived"
    setup.exam.refresh_from_db()
    attempt.refresh_from_db()
    assert attempt.passed is True
    assert AgentCertification.objects.filter(user=agent, attempt=attempt).exists()
    assert [a.pk for a in selectors.attempts_of(user=agent)] == [attempt.pk]
    # Hidden from learners, shown to trainers, no new attempt, out of the checklist.
    assert setup.exam not in selectors.exams_visible(agent)
    assert setup.exam in selectors.exams_visible(supervisor)
    with pytest.raises(Conflict):
        attempt_start(exam=setup.exam, user=supervisor)
    assert [i.kind for i in selectors.checklist(user=agent).items] == []
    with pytest.raises(Conflict):
        exam_save(exam=setup.exam, **exam_fields(setup, title="Again"))  # type: ignore[arg-type]


# Learning paths


def test_a_path_is_edited_and_deleted(agent: User) -> None:
    setup = exam_setup()
    path = path_save(name="New agent", exam_ids=[setup.exam.pk])
    path_save(
        path=path,
        name="First line",
        certification_ids=[setup.certification.pk],
        member_ids=[agent.pk],
    )
    out = selectors.path_out(LearningPath.objects.get(pk=path.pk))
    assert out["name"] == "First line"
    assert (out["exam_ids"], out["certification_ids"], out["member_ids"]) == (
        [],
        [setup.certification.pk],
        [agent.pk],
    )
    path_delete(path=path)
    assert not LearningPath.objects.exists()
    assert Exam.objects.filter(pk=setup.exam.pk).exists()


# API


def test_api_question_edit_versions_a_drawn_question(
    api_as: ApiAs, supervisor: User, agent: User
) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    boss = api_as(supervisor)
    body = {
        "kind": "single",
        "text": "Withdrawal days?",
        "points": 2,
        "choices": [{"text": "14", "correct": True}, {"text": "28"}],
    }
    answer = boss.client.put(
        f"/api/training/questions/{setup.single.pk}",
        body,
        content_type="application/json",
        headers=boss.headers,
    )
    assert answer.status_code == 200, answer.content
    data = answer.json()
    assert data["versioned"] is True
    assert data["replaces_id"] == setup.single.pk
    assert data["id"] != setup.single.pk
    assert [c["correct"] for c in data["choices"]] == [True, False]
    listed = boss.get(f"/api/training/banks/{setup.bank.pk}/questions").json()
    assert setup.single.pk not in [q["id"] for q in listed]
    assert data["id"] in [q["id"] for q in listed]
    everything = boss.get(f"/api/training/banks/{setup.bank.pk}/questions", archived="true")
    assert setup.single.pk in [q["id"] for q in everything.json()]


def test_api_bad_question_edit_is_a_422_naming_the_field_and_nothing_changes(
    api_as: ApiAs, supervisor: User
) -> None:
    setup = exam_setup()
    boss = api_as(supervisor)
    bad = {"kind": "single", "text": "x", "choices": [{"text": "a", "correct": True}]}
    answer = boss.client.put(
        f"/api/training/questions/{setup.single.pk}",
        bad,
        content_type="application/json",
        headers=boss.headers,
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "choices"
    setup.single.refresh_from_db()
    assert setup.single.text == "How many days is the EU withdrawal period?"
    assert boss.delete("/api/training/questions/999999").status_code == 404


def test_api_edit_and_remove_are_for_trainers_only(api_as: ApiAs, agent: User) -> None:
    setup = exam_setup()
    me = api_as(agent)
    assert me.delete(f"/api/training/questions/{setup.single.pk}").status_code == 403
    assert me.delete(f"/api/training/exams/{setup.exam.pk}").status_code == 403
    path = path_save(name="New agent", exam_ids=[setup.exam.pk])
    assert me.delete(f"/api/training/paths/{path.pk}").status_code == 403
    assert me.get("/api/training/paths").status_code == 403
    assert Question.objects.filter(pk=setup.single.pk).exists()
    assert LearningPath.objects.filter(pk=path.pk).exists()


def test_api_exam_edit_refuses_a_rule_change_after_attempts_and_archives(
    api_as: ApiAs, supervisor: User, agent: User
) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    boss = api_as(supervisor)
    body = {
        "title": "Returns exam",
        "bank_id": setup.bank.pk,
        "pass_mark": 90,
        "time_limit_minutes": 20,
        "max_attempts": 2,
        "certification_id": setup.certification.pk,
    }
    refused = boss.client.put(
        f"/api/training/exams/{setup.exam.pk}",
        body,
        content_type="application/json",
        headers=boss.headers,
    )
    assert refused.status_code == 409
    assert refused.json()["field"] == "pass_mark"
    body["pass_mark"] = 60
    body["time_limit_minutes"] = 25
    changed = boss.client.put(
        f"/api/training/exams/{setup.exam.pk}",
        body,
        content_type="application/json",
        headers=boss.headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["time_limit_minutes"] == 25
    removed = boss.delete(f"/api/training/exams/{setup.exam.pk}")
    assert removed.json() == {"id": setup.exam.pk, "outcome": "archived"}
    assert setup.exam.pk not in [e["id"] for e in api_as(agent).get("/api/training/exams").json()]
    listed = {e["id"]: e for e in boss.get("/api/training/exams").json()}
    assert listed[setup.exam.pk]["archived_at"] is not None
    assert api_as(agent).get("/api/training/attempts").json()[0]["passed"] is True


def test_api_paths_are_listed_edited_and_deleted(
    api_as: ApiAs, supervisor: User, agent: User
) -> None:
    setup = exam_setup()
    boss = api_as(supervisor)
    path = boss.post("/api/training/paths", {"name": "New agent", "exam_ids": [setup.exam.pk]})
    assert path.status_code == 201
    pid = path.json()["id"]
    body = {"name": "First line", "position": "new_agent", "course_ids": [], "exam_ids": []}
    empty = boss.client.put(
        f"/api/training/paths/{pid}", body, content_type="application/json", headers=boss.headers
    )
    assert empty.status_code == 422  # a path needs something to learn
    assert boss.get("/api/training/paths").json()[0]["name"] == "New agent"
    body["certification_ids"] = [setup.certification.pk]
    body["member_ids"] = [agent.pk]
    changed = boss.client.put(
        f"/api/training/paths/{pid}", body, content_type="application/json", headers=boss.headers
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["certification_ids"] == [setup.certification.pk]
    assert changed.json()["member_ids"] == [agent.pk]
    assert boss.delete(f"/api/training/paths/{pid}").json() == {"id": pid, "outcome": "deleted"}
    assert boss.delete(f"/api/training/paths/{pid}").status_code == 404


# Pages


def test_pages_edit_a_question_and_show_a_refusal(supervisor: User, agent: User) -> None:
    setup = exam_setup()
    client = signed_in(supervisor)
    bank = client.get(f"/training/manage/banks/{setup.bank.pk}/").content.decode()
    assert f"/training/manage/questions/{setup.single.pk}/" in bank
    form = client.get(f"/training/manage/questions/{setup.single.pk}/")
    assert form.status_code == 200
    assert "*14" in form.content.decode()
    refused = client.post(
        f"/training/manage/questions/{setup.single.pk}/",
        {"kind": "single", "text": "Days?", "points": "1", "choices": "*14\n*7"},
    )
    assert refused.status_code == 422
    assert "exactly one correct choice" in refused.content.decode()
    saved = client.post(
        f"/training/manage/questions/{setup.single.pk}/",
        {"kind": "single", "text": "Days?", "points": "2", "choices": "7\n*14"},
    )
    assert saved.status_code == 302
    setup.single.refresh_from_db()
    assert (setup.single.text, setup.single.points) == ("Days?", 2)
    assert signed_in(agent).get(f"/training/manage/questions/{setup.single.pk}/").status_code == 403


def test_pages_archive_a_drawn_question_and_a_taken_exam(supervisor: User, agent: User) -> None:
    setup = exam_setup()
    passed_attempt(setup, agent)
    client = signed_in(supervisor)
    page = client.get(f"/training/manage/questions/{setup.multiple.pk}/").content.decode()
    assert "Archive the question" in page
    client.post(f"/training/manage/questions/{setup.multiple.pk}/", {"action": "delete"})
    setup.multiple.refresh_from_db()
    assert setup.multiple.archived_at is not None
    bank = client.get(f"/training/manage/banks/{setup.bank.pk}/").content.decode()
    assert "1 archived question is kept" in bank

    exam_page = client.get(f"/training/manage/exams/{setup.exam.pk}/").content.decode()
    assert "This exam has 1 attempt" in exam_page
    refused = client.post(
        f"/training/manage/exams/{setup.exam.pk}/",
        {
            "title": "Returns exam",
            "bank_id": str(setup.bank.pk),
            "pass_mark": "95",
            "time_limit_minutes": "20",
            "max_attempts": "2",
            "shuffle": "on",
            "published": "on",
            "certification_id": str(setup.certification.pk),
        },
    )
    assert refused.status_code == 409
    assert "archive it and create a new exam" in refused.content.decode()
    done = client.post(f"/training/manage/exams/{setup.exam.pk}/", {"action": "delete"})
    assert done.status_code == 302
    setup.exam.refresh_from_db()
    assert setup.exam.archived_at is not None
    assert "archived" in client.get("/training/manage/").content.decode()
    assert signed_in(agent).get(f"/training/exams/{setup.exam.pk}/").status_code == 404
    # The agent's result stays on their page.
    assert "Returns exam" in signed_in(agent).get("/training/").content.decode()


def test_pages_edit_and_delete_a_path(supervisor: User, agent: User) -> None:
    setup = exam_setup()
    path = path_save(name="New agent", exam_ids=[setup.exam.pk])
    client = signed_in(supervisor)
    assert f"/training/manage/paths/{path.pk}/" in client.get("/training/manage/").content.decode()
    page = client.get(f"/training/manage/paths/{path.pk}/").content.decode()
    assert f'value="{setup.exam.pk}" selected' in page
    saved = client.post(
        f"/training/manage/paths/{path.pk}/",
        {"name": "First line", "certification_ids": [str(setup.certification.pk)]},
    )
    assert saved.status_code == 302
    path.refresh_from_db()
    assert path.name == "First line"
    assert list(path.certifications.all()) == [setup.certification]
    assert (
        signed_in(agent)
        .post(f"/training/manage/paths/{path.pk}/", {"action": "delete"})
        .status_code
        == 403
    )
    client.post(f"/training/manage/paths/{path.pk}/", {"action": "delete"})
    assert not LearningPath.objects.exists()
