"""Shared data for the training tests: a bank with one question of each auto-graded kind
(and optionally a short answer), an exam on it that earns a certification with an
allowance, and the answers that pass it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from afterdesk.training.models import Certification, Exam, Question, QuestionBank
from afterdesk.training.services.certifications import certification_save
from afterdesk.training.services.exams import ChoiceIn, bank_save, exam_save, question_create


@dataclass
class ExamSetup:
    bank: QuestionBank
    exam: Exam
    certification: Certification
    single: Question
    multiple: Question
    true_false: Question
    short: Question | None

    def correct(self, question: Question) -> list[int]:
        return list(question.choices.filter(correct=True).values_list("pk", flat=True))

    def wrong(self, question: Question) -> list[int]:
        return [question.choices.filter(correct=False).values_list("pk", flat=True)[0]]


def exam_setup(*, short: bool = False, **exam_fields: Any) -> ExamSetup:
    bank = bank_save(name="Returns basics")
    single = question_create(
        bank=bank,
        kind="single",
        text="How many days is the EU withdrawal period?",
        choices=[ChoiceIn("7", False), ChoiceIn("14", True), ChoiceIn("30", False)],
    )
    multiple = question_create(
        bank=bank,
        kind="multiple",
        text="Which need a photo before a refund?",
        choices=[
            ChoiceIn("Damaged item", True),
            ChoiceIn("Wrong size", False),
            ChoiceIn("Defect", True),
        ],
    )
    true_false = question_create(
        bank=bank,
        kind="true_false",
        text="A refund is sent before the parcel arrives.",
        true_answer=False,
    )
    short_q = (
        question_create(bank=bank, kind="short", text="Apologise for a late parcel.", points=2)
        if short
        else None
    )
    certification = certification_save(
        name="Returns specialist",
        valid_days=365,
        allowance_amount="40.00",
        allowance_currency="EUR",
    )
    fields: dict[str, Any] = {"pass_mark": 60, "time_limit_minutes": 20, "max_attempts": 2}
    fields.update(exam_fields)
    exam = exam_save(title="Returns exam", bank=bank, certification_id=certification.pk, **fields)
    return ExamSetup(bank, exam, certification, single, multiple, true_false, short_q)
