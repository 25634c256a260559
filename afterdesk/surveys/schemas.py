"""Request and response schemas of the surveys API (docs/surveys.md, "API")."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema
from afterdesk.surveys.services.scheduling import DELAY_HOURS_MAX, EXPIRY_DAYS_MAX


class SettingsIn(InputSchema):
    enabled: bool = Field(description="Off: no survey is sent; solves meanwhile get none")
    delay_hours: int = Field(ge=0, le=DELAY_HOURS_MAX, description="From the solve to the email")
    expiry_days: int = Field(ge=1, le=EXPIRY_DAYS_MAX, description="How long a link can be used")


class SettingsOut(Schema):
    enabled: bool
    delay_hours: int
    expiry_days: int
    updated_at: datetime


class SurveyOut(Schema):
    """A survey of the ticket: the email's state and the buyer's latest answer."""

    id: int
    solved_at: datetime
    language: str
    state: str = Field(
        description="scheduled, sending, sent, retrying, failed, cancelled or skipped (not sent)"
    )
    reason: str = Field(description="Why it was not sent or was cancelled")
    due_at: datetime | None = Field(None, alias="next_attempt_at")
    attempts: int
    last_error: str
    recipient: str
    sent_at: datetime | None
    rating: int | None
    comment: str
    answered_at: datetime | None
    answers: int = Field(description="How many answers changed it; the latest counts")
