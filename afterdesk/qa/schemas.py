"""Request and response schemas of the QA API (docs/qa.md, "API"). The values are checked by
the services, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr


class CategoryIn(InputSchema):
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


class RubricIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    description: SafeStr = Field("", max_length=2000)
    active: bool = True
    categories: list[CategoryIn] = Field(max_length=30)


class CategoryOut(Schema):
    id: int
    name: str
    description: str
    weight: Decimal
    scale: str
    critical: bool
    allow_na: bool
    check: str = Field(alias="auto_check")


class RubricOut(Schema):
    id: int
    name: str
    description: str
    active: bool
    categories: list[CategoryOut]


class SettingsIO(InputSchema):
    self_review: bool = Field(description="May a reviewer review their own conversations")
    dispute_days: int = Field(description="Days an agent has to dispute (0: final at once)")


class AssignmentIn(InputSchema):
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


class AssignmentOut(Schema):
    id: int
    name: str
    rubric: int = Field(alias="rubric_id")
    cycle: str
    per_agent: int
    reviewers: list[str]
    filters: dict[str, Any]
    active: bool


class SampleIn(InputSchema):
    cycle_start: date | None = Field(None, description="A day in the cycle (default: the last)")


class QueueItemOut(Schema):
    id: int
    ticket: int = Field(alias="ticket_id")
    subject: str = Field(alias="ticket.subject")
    agent: str = Field(alias="agent.username")
    assignment: str = Field(alias="assignment.name")
    rubric: int = Field(alias="assignment.rubric_id")
    cycle_start: date


class FindingOut(Schema):
    check: str
    passed: bool | None
    detail: str


class RatingIn(InputSchema):
    category: int
    value: int | None = Field(description="On the category's scale; null for N/A")
    comment: SafeStr = Field("", max_length=5000)


class PinIn(InputSchema):
    message: int
    body: SafeStr = Field(max_length=5000)


class ReviewIn(InputSchema):
    ticket: int
    agent: SafeStr = Field(max_length=150, description="Agent id of the agent reviewed")
    rubric: int
    ratings: list[RatingIn] = Field(max_length=30)
    comment: SafeStr = Field("", max_length=5000)
    pins: list[PinIn] = Field(default_factory=list, max_length=200)
    sample: int | None = Field(None, description="The queue item this review works")
    calibration: int | None = Field(None, description="The calibration session (no qa_score)")


class RatingOut(Schema):
    category: int = Field(alias="category_id")
    value: int | None
    comment: str


class PinOut(Schema):
    message: int = Field(alias="message_id")
    body: str


class ReviewOut(Schema):
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
    ratings: list[RatingOut]
    pins: list[PinOut]


class DisputeIn(InputSchema):
    reason: SafeStr = Field(max_length=5000)


class ResolveIn(InputSchema):
    decision: SafeStr = Field(description="uphold or amend")
    note: SafeStr = Field("", max_length=5000)
    ratings: list[RatingIn] | None = Field(None, max_length=30, description="amend: new ratings")


class CalibrationIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    rubric: int
    tickets: list[int] = Field(max_length=50)
    reviewers: list[SafeStr] = Field(max_length=50)


class GradeOut(Schema):
    reviewer: str
    score: float
    deviation: float


class CalibrationTicketOut(Schema):
    ticket: int
    graded_by_me: bool
    count: int
    consensus: float | None
    spread: float | None
    grades: list[GradeOut]


class CalibrationOut(Schema):
    id: int
    name: str
    rubric: int
    reviewers: list[str]
    tickets: list[CalibrationTicketOut]
    deviation: dict[str, float] = Field(
        description="Reviewer → mean absolute deviation from the consensus (visible tickets)"
    )
