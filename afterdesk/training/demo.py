"""The demo's training (docs/training.md, "Demo"): one course linked to the returns SOPs of
the knowledge base, one question bank and exam, the certification "Returns specialist" with
a 40.00 EUR allowance that the exam earns, and the learning path of new agents. Written
through the services as the demo's admin; loading twice changes nothing."""

from __future__ import annotations

from afterdesk.accounts.models import User
from afterdesk.replies.models import Article
from afterdesk.training.models import Certification, Course, Exam, LearningPath, QuestionBank
from afterdesk.training.services.certifications import certification_save
from afterdesk.training.services.courses import course_save, lesson_save, path_save
from afterdesk.training.services.exams import ChoiceIn, bank_save, exam_save, question_create

CERTIFICATION = "Returns specialist"
COURSE = "Returns 101"
BANK = "Returns basics"
EXAM = "Returns specialist exam"
PATH = "New first-line agent"

LESSONS = (
    (
        "The return window",
        "## The return window\n\n"
        "Buyers in the EU may withdraw within **14 days** of delivery, without a reason. "
        "Many stores give 30 days: check the store's return policy on the ticket's Returns "
        "panel.\n\n"
        "| Market | Legal minimum |\n|---|---|\n| EU, UK | 14 days |\n| US | store policy |\n",
    ),
    (
        "Damaged items",
        "## Damaged items\n\n"
        "1. Ask for a photo of the item **and** of the box.\n"
        "2. Never ask the buyer to send a broken item back before the refund is agreed.\n"
        "3. Record the damage on the return case (QC: damaged).\n\n"
        "> A kind first reply matters more than speed: say sorry before asking for photos.\n",
    ),
)
QUESTIONS = (
    (
        "single",
        "How many days does an EU buyer have to withdraw from a purchase?",
        (("7", False), ("14", True), ("30", False)),
        None,
    ),
    (
        "multiple",
        "What do you ask for when an item arrives damaged?",
        (("A photo of the item", True), ("A photo of the box", True), ("The bank details", False)),
        None,
    ),
    ("true_false", "A broken item must be sent back before any refund.", (), False),
    ("true_false", "A buyer in the EU needs no reason to withdraw.", (), True),
)


def training_demo_load(*, admin: User) -> dict[str, int]:
    certification = certification_save(
        certification=Certification.objects.filter(name=CERTIFICATION).first(),
        name=CERTIFICATION,
        description="Handles returns, refunds and damaged items alone.",
        valid_days=365,
        allowance_amount="40.00",
        allowance_currency="EUR",
    )
    sops = list(Article.objects.filter(title__icontains="return").values_list("pk", flat=True)[:3])
    course = course_save(
        course=Course.objects.filter(title=COURSE).first(),
        title=COURSE,
        summary="Return windows, damaged items and the standard procedures behind them.",
        article_ids=sops,
        by=admin,
    )
    existing = {lesson.title: lesson for lesson in course.lessons.all()}
    for position, (title, body) in enumerate(LESSONS, start=1):
        lesson_save(
            course=course, lesson=existing.get(title), title=title, body=body, position=position
        )
    bank = QuestionBank.objects.filter(name=BANK).first() or bank_save(name=BANK)
    if not bank.questions.exists():
        for kind, text, choices, answer in QUESTIONS:
            question_create(
                bank=bank,
                kind=kind,
                text=text,
                choices=[ChoiceIn(label, correct) for label, correct in choices],
                true_answer=answer,
            )
    exam = exam_save(
        exam=Exam.objects.filter(title=EXAM).first(),
        title=EXAM,
        bank=bank,
        description="Pass with 75% to become a returns specialist.",
        pass_mark=75,
        time_limit_minutes=15,
        max_attempts=3,
        certification_id=certification.pk,
    )
    path_save(
        path=LearningPath.objects.filter(name=PATH).first(),
        name=PATH,
        description="Before taking live tickets: the returns course, its exam, the certification.",
        position="new_agent",
        course_ids=[course.pk],
        exam_ids=[exam.pk],
        certification_ids=[certification.pk],
    )
    # The other roles' paths (docs/training.md, "Learning paths and the go-live checklist").
    path_save(
        path=LearningPath.objects.filter(name="Returns specialist").first(),
        name="Returns specialist",
        description="Returns, refunds and damaged items, certified.",
        position="returns_specialist",
        course_ids=[course.pk],
        certification_ids=[certification.pk],
    )
    path_save(
        path=LearningPath.objects.filter(name="Minor-language agent").first(),
        name="Minor-language agent",
        description="The returns basics before answering in Arabic or Japanese.",
        position="minor_language",
        course_ids=[course.pk],
    )
    return {"courses": 1, "lessons": len(LESSONS), "questions": len(QUESTIONS), "exams": 1}
