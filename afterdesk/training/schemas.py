"""Request and response schemas of the training API (errors: `afterdesk.core.api_schemas`).
Component names start with `Training` so they never clash with another router's."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from afterdesk.core.api_schemas import Id, InputSchema, SafeStr

Title = Annotated[SafeStr, Field(min_length=1, max_length=200)]
LongText = Annotated[SafeStr, Field(max_length=5000)]


class TrainingArticleOut(Schema):
    id: int
    title: str


class TrainingLessonOut(Schema):
    id: int
    position: int
    title: str
    body: str
    html: str = Field(description="The body rendered from Markdown and sanitised")
    done: bool = False


class TrainingCourseOut(Schema):
    id: int
    title: str
    summary: str
    published: bool
    lesson_count: int = 0
    lessons_done: int = 0


class TrainingCourseDetailOut(TrainingCourseOut):
    lessons: list[TrainingLessonOut]
    articles: list[TrainingArticleOut]


class TrainingCourseIn(InputSchema):
    title: Title
    summary: LongText = ""
    published: bool = True
    article_ids: list[Id] = Field(default_factory=list, max_length=100)


class TrainingLessonIn(InputSchema):
    title: Title
    body: Annotated[SafeStr, Field(max_length=100_000)] = ""
    position: Annotated[int, Field(ge=1, le=10_000)] | None = None


class TrainingProgressOut(Schema):
    lesson_id: int
    completed_at: datetime


class TrainingBankIn(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=150)]
    description: LongText = ""


class TrainingBankOut(Schema):
    id: int
    name: str
    description: str


class TrainingChoiceIn(InputSchema):
    text: Annotated[SafeStr, Field(min_length=1, max_length=500)]
    correct: bool = False


class TrainingQuestionIn(InputSchema):
    kind: Annotated[str, Field(description="single, multiple, true_false or short")]
    text: Annotated[SafeStr, Field(min_length=1, max_length=5000)]
    points: Annotated[int, Field(ge=1, le=100)] = 1
    choices: list[TrainingChoiceIn] = Field(default_factory=list, max_length=12)
    true_answer: bool | None = None
    explanation: LongText = ""


class TrainingChoiceOut(Schema):
    id: int
    text: str


class TrainingQuestionOut(Schema):
    id: int
    kind: str
    text: str
    points: int
    choices: list[TrainingChoiceOut]


class TrainingChoiceManageOut(Schema):
    id: int
    text: str
    correct: bool


class TrainingQuestionManageOut(Schema):
    """A question as its trainer sees it: with the correct choices, and whether it is
    archived (kept for the attempts that drew it) or replaces an earlier version."""

    id: int
    bank_id: int
    kind: str
    text: str
    points: int
    explanation: str
    choices: list[TrainingChoiceManageOut]
    archived_at: datetime | None
    replaces_id: int | None


class TrainingQuestionChangeOut(TrainingQuestionManageOut):
    versioned: bool = Field(
        description="True: an attempt had drawn the question, so it was archived as it was "
        "and this is its new version (a new id)"
    )


class TrainingRemovedOut(Schema):
    id: int
    outcome: str = Field(
        description="deleted (nothing referred to it) or archived (attempts refer to it: "
        "kept for them, hidden from new ones)"
    )


class TrainingExamIn(InputSchema):
    title: Title
    description: LongText = ""
    bank_id: Id
    question_count: Annotated[int, Field(ge=1, le=1000)] | None = None
    pass_mark: Annotated[int, Field(ge=1, le=100)] = 80
    time_limit_minutes: Annotated[int, Field(ge=1, le=1440)] = 30
    max_attempts: Annotated[int, Field(ge=1, le=100)] | None = None
    shuffle: bool = True
    certification_id: Id | None = None
    published: bool = True


class TrainingExamOut(Schema):
    id: int
    title: str
    description: str
    pass_mark: int
    time_limit_minutes: int
    max_attempts: int | None
    question_count: int | None
    certification_id: int | None
    published: bool
    archived_at: datetime | None = None


class TrainingAnswerOut(Schema):
    question_id: int
    choice_ids: list[int]
    text: str
    answered_at: datetime
    correct: bool | None
    points: Decimal | None
    comment: str


class TrainingAttemptOut(Schema):
    id: int
    exam_id: int
    number: int
    seed: int
    state: str
    started_at: datetime
    deadline: datetime
    submitted_at: datetime | None
    points: Decimal | None
    max_points: int
    percent: Decimal | None
    passed: bool | None


class TrainingAttemptDetailOut(TrainingAttemptOut):
    questions: list[TrainingQuestionOut]
    answers: list[TrainingAnswerOut]


class TrainingAnswerIn(InputSchema):
    choice_ids: list[Id] = Field(default_factory=list, max_length=12)
    text: Annotated[SafeStr, Field(max_length=5000)] = ""


class TrainingCertificationIn(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=120)]
    description: LongText = ""
    valid_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    allowance_amount: Decimal | None = Field(None, ge=0, le=1_000_000, decimal_places=2)
    allowance_currency: Annotated[SafeStr, Field(max_length=3)] = ""


class TrainingCertificationOut(Schema):
    id: int
    name: str
    description: str
    valid_days: int | None
    allowance_amount: Decimal | None
    allowance_currency: str


class TrainingGrantIn(InputSchema):
    user_id: Id
    note: Annotated[SafeStr, Field(max_length=300)] = ""


class TrainingAwardOut(Schema):
    id: int
    user_id: int
    certification_id: int
    certification: str = Field(alias="certification.name")
    earned_at: datetime
    expires_at: datetime | None
    source: str
    revoked_at: datetime | None


class TrainingPathIn(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=150)]
    description: LongText = ""
    position: Annotated[SafeStr, Field(max_length=64)] = ""
    course_ids: list[Id] = Field(default_factory=list, max_length=100)
    exam_ids: list[Id] = Field(default_factory=list, max_length=100)
    certification_ids: list[Id] = Field(default_factory=list, max_length=100)
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


class TrainingPathOut(Schema):
    id: int
    name: str
    position: str


class TrainingPathDetailOut(TrainingPathOut):
    description: str
    course_ids: list[int]
    exam_ids: list[int]
    certification_ids: list[int]
    member_ids: list[int]


class TrainingChecklistItemOut(Schema):
    kind: str
    label: str
    done: bool
    detail: str


class TrainingChecklistOut(Schema):
    ready: bool
    paths: list[str]
    items: list[TrainingChecklistItemOut]


class TrainingDrillIn(InputSchema):
    ticket_id: Id
    title: Title
    instructions: LongText = ""


class TrainingDrillMessageOut(Schema):
    kind: str
    text: str


class TrainingDrillOut(Schema):
    id: int
    title: str
    instructions: str
    subject: str
    conversation: list[TrainingDrillMessageOut]


class TrainingDrillReplyIn(InputSchema):
    reply: Annotated[SafeStr, Field(min_length=1, max_length=10_000)]


class TrainingDrillResponseOut(Schema):
    id: int
    drill_id: int
    user_id: int
    reply: str
    submitted_at: datetime
    score: int | None
    rubric_id: int | None
    ratings: dict[str, int | None]
    feedback: str
    graded_at: datetime | None


class TrainingShortGradeIn(InputSchema):
    points: Decimal = Field(ge=0, le=100, decimal_places=2)
    comment: LongText = ""


class TrainingDrillGradeIn(InputSchema):
    """A plain `score`, or a QA rubric (`rubric_id`) with `ratings`: category id → value on
    the category's scale, null for N/A."""

    score: Annotated[int, Field(ge=0, le=100)] | None = None
    rubric_id: Id | None = None
    ratings: dict[Annotated[str, Field(pattern=r"^[0-9]{1,18}$")], int | None] = Field(
        default_factory=dict, max_length=100
    )
    feedback: LongText = ""


class TrainingPendingAnswerOut(Schema):
    id: int
    attempt_id: int
    exam: str = Field(alias="attempt.exam.title")
    question: str = Field(alias="question.text")
    max_points: int = Field(alias="question.points")
    text: str
    answered_at: datetime
