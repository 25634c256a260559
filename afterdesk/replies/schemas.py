"""Request and response schemas of the replies API (errors: `afterdesk.core.api_schemas`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from afterdesk.core.api_schemas import AgentId, Id, InputSchema, SafeStr
from afterdesk.replies.models import (
    ARTICLE_BODY_MAX_CHARS,
    TEMPLATE_BODY_MAX_CHARS,
    Article,
    AssignMode,
    Macro,
)
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS

Language = Annotated[SafeStr, Field(min_length=1, max_length=10, examples=["es", "pt-BR"])]
Key = Annotated[SafeStr, Field(min_length=1, max_length=80, pattern=r"^[-a-zA-Z0-9_]+$")]


class VariantSchema(Schema):
    language: Language
    body: Annotated[SafeStr, Field(min_length=1, max_length=TEMPLATE_BODY_MAX_CHARS)]


class VariantIn(InputSchema, VariantSchema):
    pass


class ReplyTemplateIn(InputSchema):
    key: Key
    name: Annotated[SafeStr, Field(min_length=1, max_length=200)]
    default_language: Language = "en"
    variants: list[VariantIn] = Field(min_length=1, max_length=50)


class ReplyTemplateOut(Schema):
    id: int
    key: str
    name: str
    default_language: str
    variants: list[VariantSchema]
    updated_at: datetime


class PreviewIn(InputSchema):
    ticket: Id
    template: Id | None = Field(None, description="A saved template; else `body`")
    body: Annotated[SafeStr, Field(max_length=TEMPLATE_BODY_MAX_CHARS)] | None = Field(
        None, description="A body being written, rendered as a template would be"
    )
    language: Language | None = Field(None, description="For `body`: default the ticket's")


class PreviewOut(Schema):
    ok: bool = Field(description="false: `errors` says why; nothing could be sent")
    text: str = Field(description="The reply as the buyer would read it")
    language: str = Field(description="The language of the variant rendered")
    warning: str = Field(description="Set when the ticket's language has no variant")
    errors: list[str]


class MacroIn(InputSchema):
    name: Annotated[SafeStr, Field(min_length=1, max_length=200)]
    template: Id | None = None
    send: bool = Field(False, description="Applying sends the reply (else: fills the reply box)")
    set_status: Annotated[SafeStr, Field(max_length=10)] = ""
    add_tags: list[Annotated[SafeStr, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=20
    )
    assign_mode: AssignMode = AssignMode.KEEP
    assign_agent: AgentId | None = None
    assign_team: Annotated[SafeStr, Field(max_length=100)] | None = None
    shared: bool = Field(False, description="Shared with everyone (admins, supervisors)")


class MacroOut(Schema):
    id: int
    name: str
    template: int | None
    send: bool
    set_status: str
    add_tags: list[str]
    assign_mode: str
    assign_agent: str | None
    assign_team: str | None
    shared: bool
    owner: str | None
    usage_count: int
    last_used_at: datetime | None

    @staticmethod
    def resolve_template(obj: Macro) -> int | None:
        return obj.template_id

    @staticmethod
    def resolve_assign_agent(obj: Macro) -> str | None:
        return obj.assign_agent.username if obj.assign_agent else None

    @staticmethod
    def resolve_assign_team(obj: Macro) -> str | None:
        return obj.assign_team.name if obj.assign_team else None

    @staticmethod
    def resolve_shared(obj: Macro) -> bool:
        return obj.owner_id is None

    @staticmethod
    def resolve_owner(obj: Macro) -> str | None:
        return obj.owner.username if obj.owner else None


class MacroApplyIn(InputSchema):
    ticket: Id
    body: Annotated[SafeStr, Field(min_length=1, max_length=MESSAGE_BODY_MAX_CHARS)] | None = Field(
        None, description="The reply as the agent edited it; default: the rendered one"
    )


class MacroAppliedOut(Schema):
    ticket: int
    status: str
    reply_event: int | None
    body: str
    language: str
    warning: str


class ArticleIn(InputSchema):
    title: Annotated[SafeStr, Field(min_length=1, max_length=200)]
    body: Annotated[SafeStr, Field(min_length=1, max_length=ARTICLE_BODY_MAX_CHARS)]
    language: Language = "en"
    tags: Annotated[SafeStr, Field(max_length=300)] = ""
    issue_types: list[Annotated[SafeStr, Field(max_length=30)]] = Field(
        default_factory=list, max_length=20
    )


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    language: str
    tags: str
    issue_types: list[str]
    updated_at: datetime

    @staticmethod
    def resolve_issue_types(obj: Article) -> list[str]:
        return [topic.issue_type for topic in obj.topics.all()]


class ArticleQuery(Schema):
    q: Annotated[SafeStr, Field(max_length=200)] = Field("", description="Words to find")
    issue_type: Annotated[SafeStr, Field(max_length=30)] = ""


class ListQuery(Schema):
    q: Annotated[SafeStr, Field(max_length=200)] = Field("", description="Words in the name")


class ReturnAddressIn(InputSchema):
    store: Annotated[SafeStr, Field(max_length=100)] | None = Field(
        None, description="The store's code; none: the default address"
    )
    address: Annotated[SafeStr, Field(max_length=1000)] = Field(description="Empty removes it")


class ReturnAddressOut(Schema):
    store: str | None
    address: str
