"""Request and response schemas of the notifications API (errors: `afterdesk.core.api_schemas`)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema

from .models import Notification, NotificationKind


class NotificationFilterQuery(Schema):
    unread: bool | None = Field(None, description="`true`: unread only; `false`: read only")
    limit: int = Field(50, ge=1, le=200, description="Items per page (at most 200)")
    offset: int = Field(0, ge=0, le=10_000_000, description="Items to skip")


class NotificationOut(Schema):
    id: int
    kind: NotificationKind
    title: str
    body: str
    url: str = Field(description="A path inside the desk (blank: none)")
    ticket: int | None = Field(description="The ticket's number, when it is about one")
    actor: str | None = Field(description="Username of who caused it (null: the desk)")
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None

    @staticmethod
    def resolve_ticket(obj: Notification) -> int | None:
        return obj.ticket_id

    @staticmethod
    def resolve_actor(obj: Notification) -> str | None:
        return obj.actor.username if obj.actor else None


class NotificationPage(Schema):
    count: int = Field(description="Notifications matching the filters, over all pages")
    unread: int = Field(description="The caller's unread notifications")
    limit: int
    offset: int
    items: list[NotificationOut]


class MarkedOut(Schema):
    marked: int = Field(description="How many were unread and are read now")


class PreferencesOut(Schema):
    email: dict[str, bool] = Field(description="Each kind with whether its email is on")


class PreferencesIn(InputSchema):
    email_kinds: list[NotificationKind] = Field(
        max_length=len(NotificationKind.values),
        description="The kinds to get by email; the rest are off",
    )
