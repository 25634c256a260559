"""Request and response schemas of the alerts API (errors: `afterdesk.core.api_schemas`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from .models import Alert, AlertKind, Severity


class AlertFilterQuery(Schema):
    kind: AlertKind | None = Field(None, description="Only alerts of this kind")
    acknowledged: bool | None = Field(
        None, description="`false`: open alerts only; `true`: acknowledged ones only"
    )
    limit: int = Field(50, ge=1, le=200, description="Items per page (at most 200)")
    offset: int = Field(0, ge=0, le=10_000_000, description="Items to skip")


class AlertOut(Schema):
    id: int
    kind: AlertKind
    severity: Severity
    message: str
    figures: dict[str, Any] = Field(description="The numbers behind the message")
    ticket: int | None = Field(description="Ticket number (long-open alerts)")
    agent: str | None = Field(description="Username of the agent the alert is about")
    team: str | None = Field(description="Name of the team the alert is about")
    period_start: datetime | None
    period_end: datetime | None
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    notified_at: datetime | None

    @staticmethod
    def resolve_ticket(obj: Alert) -> int | None:
        return obj.ticket_id

    @staticmethod
    def resolve_agent(obj: Alert) -> str | None:
        return obj.agent.username if obj.agent else None

    @staticmethod
    def resolve_team(obj: Alert) -> str | None:
        return obj.team.name if obj.team else None

    @staticmethod
    def resolve_acknowledged_by(obj: Alert) -> str | None:
        return obj.acknowledged_by.username if obj.acknowledged_by else None


class AlertPage(Schema):
    count: int = Field(description="Alerts matching the filters, over all pages")
    limit: int
    offset: int
    items: list[AlertOut]
