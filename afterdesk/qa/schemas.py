"""Request and response schemas of the QA API (docs/qa.md, "Pages and API"). The values are
checked by the services, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr


class QaCategoryIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    description: SafeStr = Field("", max_length=300)
    weight: Decimal = Field(description="0 to 1000; the weights must sum to more than 0")
    scale: SafeStr = Field(description="binary, 1-3 or 1-5")
    critical: bool = Field(False, description="Scored under 50%, it makes the review 0")
    allow_na: bool = True
    check: SafeStr = Field(
        "",
        description="The automatic check that pre-fills it: greeting, follow_up, template, "
        "language, first_reply_sla, sentiment (or empty)",
    )


class QaRubricIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    description: SafeStr = Field("", max_length=2000)
    active: bool = True
    categories: list[QaCategoryIn] = Field(max_length=30)


class QaCategoryOut(Schema):
    id: int
    name: str
    description: str
    weight: Decimal
    scale: str
    critical: bool
    allow_na: bool
    check: str = Field(alias="auto_check")


class QaRubricOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    categories: list[QaCategoryOut]


class QaSettingsIO(InputSchema):
    self_review: bool = Field(description="May a reviewer review their own conversations")
    dispute_days: int = Field(description="Days an agent has to dispute (0: final at once)")


class QaAssignmentIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    rubric: int
    cycle: SafeStr = Field(description="daily, weekly or monthly")
    per_agent: int = Field(description="Conversations per agent per cycle, 1 to 100")
    reviewers: list[SafeStr] = Field(max_length=100, description="Agent ids of the reviewers")
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="team (id), channel, category, csat_max (1-5), risk_min (0-100), "
        "min_messages, reopened (true)",
    )
    active: bool = True


class QaAssignmentOut(Schema):
    id: int
    name: str
    rubric: int = Field(alias="rubric_id")
    cycle: str
    per_agent: int
    reviewers: list[str]
    filters: dict[str, Any]
    active: bool


class QaSampleIn(InputSchema):
    cycle_start: date | None = Field(None, description="A day in the cycle (default: the last)")


class QaQueueItemOut(Schema):
    id: int
    ticket: int = Field(alias="ticket_id")
    subject: str = Field(alias="ticket.subject")
    agent: str = Field(alias="agent.username")
    assignment: str = Field(alias="assignment.name")
    rubric: int = Field(alias="assignment.rubric_id")
    cycle_start: date


class QaFindingOut(Schema):
    check: str
    passed: bool | None
    detail: str


class QaRatingIn(InputSchema):
    category: int
    value: int | None = Field(description="On the category's scale; null for N/A")
    comment: SafeStr = Field("", max_length=5000)


class QaPinIn(InputSchema):
    message: int
    body: SafeStr = Field(max_length=5000)


class QaReviewIn(InputSchema):
    ticket: int
    agent: SafeStr = Field(max_length=150, description="Agent id of the agent reviewed")
    rubric: int
    ratings: list[QaRatingIn] = Field(max_length=30)
    comment: SafeStr = Field("", max_length=5000)
    pins: list[QaPinIn] = Field(default_factory=list, max_length=200)
    sample: int | None = Field(None, description="The queue item this review works")
    calibration: int | None = Field(None, description="The calibration session (no qa_score)")


class QaRatingOut(Schema):
    category: int = Field(alias="category_id")
    value: int | None
    comment: str


class QaPinOut(Schema):
    message: int = Field(alias="message_id")
    body: str


class QaReviewOut(Schema):
    id: int
    ticket: int = Field(alias="ticket_id")
    agent: str = Field(alias="agent.username")
    reviewer: str = Field(alias="reviewer.username")
    rubric: int = Field(alias="rubric_id")
    score: float
    original_score: float | None
    critical_failed: bool
    state: str
    comment: str
    created_at: datetime
    dispute_reason: str
    resolution_note: str
    counted: bool = Field(description="Its qa_review event is written (it counts in qa_score)")
    ratings: list[QaRatingOut]
    pins: list[QaPinOut]


class QaDisputeIn(InputSchema):
    reason: SafeStr = Field(max_length=5000)


class QaResolveIn(InputSchema):
    decision: SafeStr = Field(description="uphold or amend")
    note: SafeStr = Field("", max_length=5000)
    ratings: list[QaRatingIn] | None = Field(None, max_length=30, description="amend: new ratings")


class QaCalibrationIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    rubric: int
    tickets: list[int] = Field(max_length=50)
    reviewers: list[SafeStr] = Field(max_length=50)


class QaGradeOut(Schema):
    reviewer: str
    score: float
    deviation: float


class QaCalibrationTicketOut(Schema):
    ticket: int
    graded_by_me: bool
    count: int
    consensus: float | None
    spread: float | None
    grades: list[QaGradeOut]


class QaCalibrationOut(Schema):
    id: int
    name: str
    rubric: int
    reviewers: list[str]
    tickets: list[QaCalibrationTicketOut]
    deviation: dict[str, float] = Field(
        description="Reviewer → mean absolute deviation from the consensus (visible tickets)"
    )
