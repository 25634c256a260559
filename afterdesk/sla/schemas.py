"""Request and response schemas of the SLA API (docs/sla.md, "API"). The fields' values are
checked by `sla.services.policy_fields_validate`, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr

TARGETS_EXAMPLE = {"normal": {"first_reply": 240, "next_reply": 480, "resolution": 4320}}


class SlaPolicyIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    position: int = Field(0, description="Policies are tried by position; first match wins")
    enabled: bool = True
    channels: list[Any] = Field(default_factory=list)
    platforms: list[Any] = Field(default_factory=list)
    stores: list[Any] = Field(default_factory=list, description="Store ids")
    markets: list[Any] = Field(default_factory=list)
    languages: list[Any] = Field(default_factory=list)
    categories: list[Any] = Field(default_factory=list)
    priorities: list[Any] = Field(default_factory=list)
    tags: list[Any] = Field(default_factory=list, description="Any of these ticket tags")
    customer_tags: list[Any] = Field(
        default_factory=list, description="Any of these tags of the ticket's customer (e.g. vip)"
    )
    order_value_min: Decimal | None = None
    order_value_max: Decimal | None = None
    targets: dict[str, Any] = Field(
        default_factory=dict,
        description="Priority → {first_reply, next_reply, periodic_update, resolution} minutes",
        examples=[TARGETS_EXAMPLE],
    )
    hours: SafeStr = Field(
        "business",
        description="business (a calendar), team (the ticket's team's schedules), calendar (24×7)",
    )
    calendar: SafeStr | None = Field(None, description="Calendar key; none: the ticket's own")
    pause_statuses: list[Any] = Field(default_factory=lambda: ["pending", "on_hold"])
    warning_minutes: int = Field(60, description="Warning this long before a deadline")


class SlaPolicyOut(Schema):
    id: int
    name: str
    position: int
    enabled: bool
    preset: str
    channels: list[str]
    platforms: list[str]
    stores: list[int]
    markets: list[str]
    languages: list[str]
    categories: list[str]
    priorities: list[str]
    tags: list[str]
    customer_tags: list[str]
    order_value_min: Decimal | None
    order_value_max: Decimal | None
    targets: dict[str, dict[str, int]]
    hours: str
    calendar: str | None
    pause_statuses: list[str]
    warning_minutes: int

    @staticmethod
    def resolve_calendar(obj: Any) -> str | None:
        return obj.calendar.key if obj.calendar_id else None


class SlaClockOut(Schema):
    target: str
    started_at: str
    due: str | None
    warn_at: str | None
    ended_at: str | None
    end: str
    running: bool
    met: bool | None


class TicketSlaOut(Schema):
    policy: str | None
    first_reply_due: datetime | None
    next_reply_due: datetime | None
    periodic_update_due: datetime | None
    resolution_due: datetime | None
    paused: bool
    next_at: datetime | None
    clocks: list[SlaClockOut]

    @staticmethod
    def resolve_policy(obj: Any) -> str | None:
        return obj.policy.name if obj.policy_id else None


class SlaPeriodQuery(Schema):
    start: SafeStr = Field(alias="from", max_length=40, description="ISO 8601 with an offset")
    end: SafeStr = Field(alias="to", max_length=40, description="ISO 8601 with an offset")


class SlaReportQuery(SlaPeriodQuery):
    by: SafeStr = Field("agent", description="agent, team, policy, channel or market")
    format: SafeStr = Field("json", pattern="^(json|csv)$")


class SlaTargetFiguresOut(Schema):
    clocks: int = Field(description="Clocks that met or breached their target in the period")
    met: int
    met_rate: float | None


class SlaBreachOut(Schema):
    ticket: str
    target: str
    due: str


class SlaReportRowOut(Schema):
    key: str = Field(description="The agent, team, policy, channel or market")
    targets: dict[str, SlaTargetFiguresOut]
    breaches: list[SlaBreachOut]


class SlaPendingFlagOut(Schema):
    agent: str
    ticket: str
    target: str
    pending_at: str
    due: str
    back_at: str
