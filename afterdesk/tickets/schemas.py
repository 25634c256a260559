"""Request and response schemas of the tickets API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import field_validator

from afterdesk.commerce.schemas import CustomerOut, CustomerRef, OrderOut, StoreOut
from afterdesk.core.api_schemas import AgentId, Id, InputSchema, SafeStr
from afterdesk.tickets.models import (
    MESSAGE_BODY_MAX_CHARS,
    Attachment,
    Message,
    MessageKind,
    Priority,
    Status,
    Ticket,
    TicketEvent,
)
from afterdesk.tickets.selectors import InboxFilters


class TicketFilterQuery(Schema):
    """Inbox filters; all optional and combined with AND."""

    status: SafeStr | None = Field(
        None, max_length=200, description="One status or a comma list, e.g. `new,open`"
    )
    assignee: SafeStr | None = Field(
        None, max_length=150, description="A username, `me` or `none` (unassigned)"
    )
    team: SafeStr | None = Field(None, max_length=100, description="A team name")
    channel: SafeStr | None = Field(None, max_length=32)
    platform: SafeStr | None = Field(None, max_length=20)
    language: SafeStr | None = Field(None, max_length=10)
    category: SafeStr | None = Field(None, max_length=50)
    priority: Priority | None = None
    tag: SafeStr | None = Field(None, max_length=50)
    q: SafeStr | None = Field(
        None, max_length=200, description="Text in the subject or messages, or a ticket number"
    )

    @field_validator("status")
    @classmethod
    def _known_statuses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = [s for s in value.split(",") if s and s not in Status.values]
        if unknown:
            raise ValueError(f"unknown status {', '.join(unknown)}; use {', '.join(Status.values)}")
        return value

    def to_filters(self) -> InboxFilters:
        return InboxFilters(
            status=self.status,
            assignee=self.assignee,
            team=self.team,
            channel=self.channel,
            platform=self.platform,
            language=self.language,
            category=self.category,
            priority=self.priority.value if self.priority else None,
            tag=self.tag,
            text=self.q,
        )


class _AssigneeAndTeam(Schema):
    """A ticket's `assignee` (the username) and `team` (the name), for the schemas that
    declare them."""

    @staticmethod
    def resolve_assignee(obj: Ticket) -> str | None:
        return obj.assignee.username if obj.assignee else None

    @staticmethod
    def resolve_team(obj: Ticket) -> str | None:
        return obj.team.name if obj.team else None


class TicketListItem(_AssigneeAndTeam):
    id: int
    external_id: str
    subject: str
    status: Status
    priority: Priority
    channel: str
    platform: str
    market: str
    language: str
    category: str
    assignee: str | None = Field(description="The assignee's username")
    team: str | None = Field(description="The team's name")
    store_id: int | None
    customer: CustomerRef | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class TicketPage(Schema):
    count: int = Field(description="Tickets matching the filters, over all pages")
    limit: int
    offset: int
    items: list[TicketListItem]


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    download_url: str

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        return reverse("api:attachment_download", kwargs={"token": obj.token})


class MessageOut(Schema):
    id: int
    kind: MessageKind
    author: str | None = Field(description="The writer's username; null for the customer")
    body_text: str
    body_html: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: Message) -> str | None:
        return obj.author.username if obj.author else None


class EventOut(Schema):
    id: int
    kind: str
    at: datetime
    agent: str | None
    fields: dict[str, Any]

    @staticmethod
    def resolve_agent(obj: TicketEvent) -> str | None:
        return obj.agent.username if obj.agent else None


class TicketDetail(TicketListItem):
    customer: CustomerOut | None  # type: ignore[assignment]
    store: StoreOut | None
    messages: list[MessageOut]
    events: list[EventOut]
    orders: list[OrderOut]


class TicketCreateIn(InputSchema):
    subject: SafeStr = Field(min_length=1, max_length=300)
    channel: SafeStr = Field(min_length=1, max_length=32, examples=["email", "phone", "api"])
    body: SafeStr = Field(
        "", max_length=MESSAGE_BODY_MAX_CHARS, description="The customer's first message"
    )
    store_id: Id | None = None
    customer_id: Id | None = None
    order_ids: list[Id] = Field(default_factory=list, max_length=100)
    priority: Priority = Priority.NORMAL
    category: SafeStr = Field("", max_length=50)
    language: SafeStr = Field("", max_length=10)
    tags: list[Annotated[SafeStr, Field(max_length=50)]] = Field(
        default_factory=list, max_length=50
    )
    team: SafeStr | None = Field(None, max_length=100, description="Team name to assign to")
    assignee: AgentId | None = Field(
        None, description="Agent id (username) to assign to: letters, digits and . _ - @ +"
    )


class ReplyIn(InputSchema):
    body: SafeStr = Field(min_length=1, max_length=MESSAGE_BODY_MAX_CHARS)
    status: Status | None = Field(None, description="Set this status with the reply")


class NoteIn(InputSchema):
    body: SafeStr = Field(min_length=1, max_length=MESSAGE_BODY_MAX_CHARS)


class AssignIn(InputSchema):
    agent: AgentId | None = Field(
        description="Agent id (username: letters, digits and . _ - @ +); null unassigns"
    )
    team: SafeStr | None = Field(None, max_length=100, description="Move to this team")


class StatusIn(InputSchema):
    status: Status


class EscalateIn(InputSchema):
    """Escalate to a person (`agent`, notified) or a team (`team`, its supervisors notified;
    docs/notifications.md, "Escalations"), or to a free-text `to` nobody is notified of."""

    to: SafeStr = Field("", max_length=100, examples=["tier2", "supervisor"])
    reason: SafeStr = Field("", max_length=1000)
    agent: AgentId | None = Field(None, description="Username of the person to escalate to")
    team: SafeStr | None = Field(None, max_length=100, description="Team to escalate to")


# `tickets.events.TRIAGE_ISSUE_TYPES` and `TRIAGE_RISK_FLAGS`, spelt out for the OpenAPI
# schema (tests/tickets/test_triage_api.py keeps them equal).
IssueType = Literal[
    "not_received",
    "size_issue",
    "quality_issue",
    "wrong_item",
    "missing_item",
    "damaged",
    "usage_question",
    "return_request",
    "refund_request",
    "dispute",
    "presale_question",
    "other",
]
RiskFlag = Literal[
    "chargeback",
    "atoz_claim",
    "paypal_dispute",
    "platform_claim",
    "legal",
    "bad_review",
    "negative_sentiment",
]


class TriageIn(InputSchema):
    """An agent's correction of the ticket's triage; it becomes a label for measuring triage
    (docs/triage.md, "Corrections")."""

    language: str = Field(
        pattern=r"^[a-z]{2,3}$", description="ISO 639-1 code of the buyer's language, e.g. `de`"
    )
    issue_type: IssueType
    risk_flags: list[RiskFlag] = Field(default_factory=list, max_length=7)
    priority: Priority | None = Field(None, description="Default: the ticket's priority")
    risk: int | None = Field(
        None, ge=0, le=100, description="Default: the risk of the latest triage (0 without one)"
    )
    note: SafeStr = Field("", max_length=500, description="Why; default: what changed")


class TicketStateOut(_AssigneeAndTeam):
    id: int
    status: Status
    priority: Priority
    assignee: str | None
    team: str | None
    updated_at: datetime


class ActionOut(Schema):
    """What an action wrote (`event` is null when it changed nothing) and the ticket after it."""

    event: EventOut | None
    message: MessageOut | None = Field(None, description="The reply or note written")
    ticket: TicketStateOut
