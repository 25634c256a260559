"""The shapes of the relay channels' API (docs/channels.md, "Webhooks and chat")."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.channels.relay_models import PayloadState
from afterdesk.core.api_schemas import InputSchema, PageQuery

SLUG_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,49}$"


class WebhookReceived(Schema):
    stored: bool = Field(description="False when the same message_id was taken before")
    ticket_id: int | None
    payload_id: int = Field(description="The stored request body")


class IntegrationIn(InputSchema):
    name: str = Field(pattern=SLUG_PATTERN, description="In the URL: lower case, digits, - and _")
    store_id: int | None = Field(None, ge=1, description="The store its buyers belong to")
    secret: str | None = Field(
        None, min_length=32, max_length=200, description="Omitted: a random secret is made"
    )
    reply_url: str = Field(
        "",
        max_length=500,
        description="Where agents' replies are posted, signed (https; empty: not posted)",
    )


class IntegrationPatch(InputSchema):
    reply_url: str | None = Field(
        None, max_length=500, description='Where agents\' replies are posted; "" stops it'
    )
    enabled: bool | None = None


class IntegrationOut(Schema):
    id: int
    name: str
    store_id: int | None
    enabled: bool
    reply_url: str = Field(description="Where agents' replies are posted (empty: not posted)")
    created_at: datetime
    path: str = Field(description="Where the platform posts")

    @staticmethod
    def resolve_path(obj: object) -> str:
        name = obj.get("name", "") if isinstance(obj, dict) else getattr(obj, "name", "")
        return f"/api/channels/webhook/{name}"


class IntegrationCreated(IntegrationOut):
    secret: str = Field(description="Shown once: keep it with the platform's settings")


class MetaPageIn(InputSchema):
    page_id: str = Field(pattern=r"^\d{1,64}$", description="The Page or Instagram account id")
    platform: str = Field(pattern="^(facebook|instagram)$")
    name: str = Field("", max_length=100)
    access_token: str = Field(min_length=1, max_length=1000, description="For the Send API")
    store_id: int | None = Field(None, ge=1)
    human_agent: bool = Field(
        False, description="Reply 24 h to 7 days after the buyer with the HUMAN_AGENT tag"
    )


class MetaPageOut(Schema):
    id: int
    page_id: str
    platform: str
    name: str
    store_id: int | None
    human_agent: bool
    enabled: bool
    created_at: datetime


class WidgetIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    allowed_origins: list[str] = Field(
        min_length=1, max_length=20, description='e.g. ["https://shop.example"]'
    )
    store_id: int | None = Field(None, ge=1)
    greeting: str = Field("", max_length=300)


class WidgetOut(Schema):
    id: int
    key: str = Field(description="The script tag's data-widget")
    name: str
    allowed_origins: list[str]
    store_id: int | None
    greeting: str
    enabled: bool
    created_at: datetime


class RelayDeliveryOut(Schema):
    id: int
    ticket_id: int
    event_id: int
    state: str = Field(description="queued, sending, sent, retrying or failed")
    attempts: int
    messaging_type: str = Field(description="RESPONSE or HUMAN_AGENT (Meta), webhook (a reply URL)")
    external_id: str = Field(description="The message id Meta (or the webhook platform) answered")
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    created_at: datetime


class RelayPayloadOut(Schema):
    id: int
    source: str
    owner: str
    state: str = Field(description="received, processed or failed")
    reason: str
    messages_taken: int
    attempts: int
    received_at: datetime
    processed_at: datetime | None


class RelayPayloadPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RelayPayloadOut]


class PayloadFilterQuery(PageQuery):
    state: PayloadState | None = Field(None, description="received, processed or failed")
