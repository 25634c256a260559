"""The inbound email API's shapes."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.channels.models import InboundEmail
from afterdesk.core.api_schemas import PageQuery


class InboundOut(Schema):
    id: int
    state: str = Field(description="received, opened, appended, duplicate, automatic or failed")
    reason: str = Field(description="Why: the failure, the automatic-mail header, the threading")
    automatic_kind: str = Field(description="auto_reply, bounce or bulk (automatic mail)")
    source: str
    sender: str
    subject: str
    message_id: str
    size: int
    ticket_id: int | None
    duplicate_of_id: int | None
    attempts: int
    notes: list[str] = Field(description="Decoding notes and attachments kept in the raw only")
    received_at: datetime
    processed_at: datetime | None


class InboundDetail(InboundOut):
    text: str = Field(description="The new text (the ticket message's body)")
    text_folded: str = Field(description="The quoted history and signature folded away")
    html: str = Field(description="The HTML part, sanitised")

    @staticmethod
    def resolve_text(obj: InboundEmail) -> str:
        return obj.ticket_message.body_text if obj.ticket_message else ""


class IngestOut(Schema):
    outcome: str = Field(description='What happened, in one line ("opened #12", …)')
    stored: bool = Field(description="False when the same message was stored before")
    inbound: InboundOut


class InboundPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[InboundOut]


class InboundFilterQuery(PageQuery):
    state: str | None = Field(None, description="Only messages in this state")
    ticket_id: int | None = Field(None, ge=1, description="Only messages of this ticket")
