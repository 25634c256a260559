"""Request and response schemas of the automations API (docs/automations.md, "Pages and API"). The
values are checked by the services, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from afterdesk.automations.actions import action_public
from afterdesk.automations.models import Rule
from afterdesk.core.api_schemas import InputSchema, SafeStr


class RuleIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    trigger: SafeStr = Field(
        description="ticket_created, message_received, status_changed, "
        "sla_warning, sla_breach, parcel_stalled, csat_received or time"
    )
    enabled: bool = True
    position: int = 0
    conditions: dict[str, Any] = Field(default_factory=dict)
    actions: list[dict[str, Any]] = Field(description="Each an object with a type")
    time_status: SafeStr | None = Field(None, description="A time rule: the status it waits in")
    time_hours: int | None = Field(None, description="A time rule: hours in that status")
    time_without_buyer_reply: bool = False
    max_per_ticket: int = Field(3, description="Loop protection: firings per ticket at most")
    send_as: SafeStr | None = Field(
        None, description="Agent id a templated reply is sent as when the ticket has no assignee"
    )


class EnableIn(InputSchema):
    enabled: bool


class RuleOut(Schema):
    id: int
    name: str
    trigger: str
    enabled: bool
    position: int
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    time_status: str
    time_hours: int | None
    time_without_buyer_reply: bool
    max_per_ticket: int
    send_as: str | None
    default_key: str

    @staticmethod
    def resolve_actions(rule: Rule) -> list[dict[str, Any]]:
        return [action_public(action) for action in rule.actions]

    @staticmethod
    def resolve_send_as(rule: Rule) -> str | None:
        return rule.send_as.username if rule.send_as else None


class DryRunTicketOut(Schema):
    ticket_id: int
    subject: str
    status: str
    already: int


class DryRunOut(Schema):
    total: int
    tickets: list[DryRunTicketOut]


class FiringOut(Schema):
    id: int
    rule_id: int
    rule: str
    ticket_id: int
    trigger: str
    key: str
    at: datetime
    state: str
    actions: list[str]
    error: str

    @staticmethod
    def resolve_rule(firing: Any) -> str:
        return str(firing.rule.name)


class PoolIn(InputSchema):
    name: SafeStr = Field(max_length=100)
    description: SafeStr = ""


class CodesIn(InputSchema):
    codes: list[SafeStr] = Field(description="Codes to add (each handed out once)")


class PoolOut(Schema):
    id: int
    name: str
    description: str
    free: int
    issued: int
