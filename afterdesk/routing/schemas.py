"""Request and response schemas of the routing API (docs/routing.md, "Pages and API"). The
values are checked by the routing services, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr


class RoutingRuleIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    position: int = Field(0, description="Rules are tried by position; first match wins")
    enabled: bool = True
    channels: list[Any] = Field(default_factory=list)
    platforms: list[Any] = Field(default_factory=list)
    stores: list[Any] = Field(default_factory=list, description="Store ids")
    markets: list[Any] = Field(default_factory=list)
    languages: list[Any] = Field(default_factory=list, description="Detected language codes")
    categories: list[Any] = Field(default_factory=list, description="Triage issue types")
    priorities: list[Any] = Field(default_factory=list)
    tags: list[Any] = Field(default_factory=list, description="Any of these ticket tags")
    customer_tags: list[Any] = Field(
        default_factory=list, description="Any of these tags of the ticket's customer (e.g. vip)"
    )
    order_value_min: Decimal | None = None
    order_value_max: Decimal | None = None
    risk_min: int | None = Field(None, description="Triage risk at least this (0–100)")
    set_team: SafeStr | None = Field(None, description="Team name")
    set_priority: SafeStr = ""
    add_tags: list[Any] = Field(default_factory=list)
    set_agent: SafeStr | None = Field(None, description="Agent id (username)")


class RoutingRuleOut(Schema):
    id: int
    name: str
    position: int
    enabled: bool
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
    risk_min: int | None
    set_team: str | None = Field(None, alias="set_team.name")
    set_priority: str
    add_tags: list[str]
    set_agent: str | None = Field(None, alias="set_agent.username")


class AgentRoutingIn(InputSchema):
    languages: list[Any] | None = Field(None, description="Left out: unchanged")
    categories: list[Any] = Field(default_factory=list, description="Empty: every issue type")
    platforms: list[Any] = Field(default_factory=list, description="Empty: every platform")
    capacity: int = Field(8, description="Open tickets assigned at most")
    shift: SafeStr | None = Field(None, description="Calendar key; none: always on shift")
    approval_limit: Decimal | None = None
    approval_currency: SafeStr = ""


class AgentRoutingOut(Schema):
    agent: str
    languages: list[str]
    categories: list[str]
    platforms: list[str]
    capacity: int
    open_tickets: int
    presence: str
    presence_at: datetime | None
    shift: str | None
    approval_limit: Decimal | None
    approval_currency: str


class TeamRoutingIn(InputSchema):
    auto_assign: bool = True
    mode: SafeStr = Field("least_loaded", description="least_loaded or round_robin")
    reassign_after_minutes: int = Field(30, description="0: never")


class TeamRoutingOut(Schema):
    team: str
    auto_assign: bool
    mode: str
    reassign_after_minutes: int


class RoutingPresenceIn(InputSchema):
    presence: SafeStr = Field(description="online, away or offline")


class RoutingPresenceOut(Schema):
    presence: str
    presence_at: datetime | None


class RoutingApprovalCheckIn(InputSchema):
    amount: Decimal
    currency: SafeStr


class RoutingApprovalCheckOut(Schema):
    required: bool


class RoutingApprovalIn(InputSchema):
    kind: SafeStr = Field(description="refund or credit")
    amount: Decimal
    currency: SafeStr
    ticket_id: int | None = None
    note: SafeStr = ""


class RoutingApprovalDecisionIn(InputSchema):
    approve: bool
    note: SafeStr = ""


class RoutingApprovalOut(Schema):
    id: int
    ticket_id: int | None
    kind: str
    amount: Decimal
    currency: str
    note: str
    status: str
    requested_by: str = Field(alias="requested_by.username")
    decided_by: str | None = Field(None, alias="decided_by.username")
    decided_at: datetime | None
    decision_note: str
    created_at: datetime
