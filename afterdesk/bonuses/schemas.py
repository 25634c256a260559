"""Schemas of the bonuses API. Money is a decimal string ("300.00") everywhere, so no amount
is ever rounded by a float. Errors, ids and text inputs are the shared ones of
`afterdesk.core.api_schemas`."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from afterdesk.core.api_schemas import Id, InputSchema, SafeStr

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]


class BonusRuleIn(InputSchema):
    """A whole rule (POST creates, PUT replaces). `definition` is checked field by field; an
    error names e.g. `definition.tiers[0].amount`. The rule pays the agents scored under
    `template_key`: all of them (`target_kind` "template") or those of `position`."""

    name: SafeStr = Field(max_length=150)
    target_kind: SafeStr = Field(
        max_length=16,
        description='"template": everyone scored under the template; "position": the agents '
        "of `position` scored under it",
        json_schema_extra={"enum": ["template", "position"]},
    )
    position: SafeStr = Field(
        "", max_length=64, description='A position in use; empty when target_kind is "template"'
    )
    template_key: SafeStr = Field(max_length=100, description="Scorecard template id")
    currency: SafeStr = Field(max_length=3, description="ISO 4217, e.g. EUR")
    definition: dict[str, Any] = Field(description="tiers, extras, gate (docs/bonuses.md)")
    budget: Money | None = Field(None, description="Per payout period; null: no budget check")
    labour_cost: Money | None = Field(None, description="The role's labour cost per period")
    max_share: Decimal = Field(
        Decimal("0.10"), gt=0, le=1, max_digits=5, decimal_places=4, description="Of labour cost"
    )
    active: bool = True


class BonusRuleOut(Schema):
    id: int
    name: str
    target_kind: Literal["template", "position"]
    position: str = Field(description='"" when target_kind is "template"')
    template_key: str
    currency: str
    definition: dict[str, Any]
    budget: Decimal | None
    labour_cost: Decimal | None
    max_share: Decimal
    active: bool
    created_at: datetime
    updated_at: datetime


class PeriodQuery(Schema):
    start: str = Field(alias="from", max_length=64, description="ISO 8601 with an offset")
    end: str = Field(alias="to", max_length=64, description="ISO 8601 with an offset")


class StatementIn(InputSchema):
    start: SafeStr = Field(alias="from", max_length=64, description="ISO 8601 with an offset")
    end: SafeStr = Field(alias="to", max_length=64, description="ISO 8601 with an offset")


class StatementListQuery(Schema):
    rule_id: Id | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10_000_000)


class StatementExportQuery(Schema):
    format: Literal["csv", "xlsx", "json"] = "csv"


class ConditionOut(Schema):
    kind: Literal["when", "unless"]
    kpi: str
    op: str
    threshold: str
    value: float | None
    n: int
    excluded: str | None
    holds: bool
    explanation: str


class ExtraOut(Schema):
    name: str
    amount: str
    paid: bool
    paid_amount: str
    reason: str
    conditions: list[ConditionOut]


class LineOut(Schema):
    agent_id: int
    agent: str
    position: str | None = Field(
        None, description="The agent's position (null in statements frozen before positions)"
    )
    template: str | None = Field(
        None, description="The template that scored the agent (the rule's)"
    )
    total: str | None = Field(description="The reported scorecard total (2 decimals)")
    rank: int | None
    tier: str | None
    tier_min_total: str | None
    tier_amount: str
    tier_reason: str
    gate_passed: bool
    gate: list[ConditionOut]
    extras: list[ExtraOut]
    amount: str


class WarningOut(Schema):
    code: Literal["budget_exceeded", "labour_share_exceeded"]
    message: str


class SummaryOut(Schema):
    target_kind: Literal["template", "position"] | None = None
    position: str | None = None
    template: str | None = None
    role: str | None = Field(None, description="Only in statements frozen before targets")
    currency: str
    agents: int
    paid_agents: int
    excluded: int | None = Field(None, description="Agents of the position not eligible")
    total: str
    budget: str | None
    labour_cost: str | None
    labour_share: str | None = Field(description="total ÷ labour cost, 4 decimals")
    max_share: str
    warnings: list[WarningOut]


class RuleRefOut(Schema):
    id: int | None
    name: str
    target_kind: Literal["template", "position"] | None = Field(
        None, description="null only in statements frozen before targets (they have `role`)"
    )
    position: str | None = Field(None, description='null when target_kind is "template"')
    role: str | None = Field(None, description="Only in statements frozen before targets")
    currency: str
    template: str
    template_version: int = Field(description="The version in force at the period's end")
    definition: dict[str, Any]


class ExclusionOut(Schema):
    """An agent of the rule's position not paid by it, and why."""

    agent_id: int
    agent: str
    position: str
    template: str | None = Field(description="The template that scores the agent (null: none)")
    reason: str


class PeriodOut(Schema):
    start: str = Field(alias="from")
    end: str = Field(alias="to")


class PayoutOut(Schema):
    """A payout: the rule used, each agent's explained line, the agents of the position not
    eligible, and the rule summary (null for agents, who see only their own line)."""

    rule: RuleRefOut
    period: PeriodOut
    lines: list[LineOut]
    excluded: list[ExclusionOut] = Field(default_factory=list)
    summary: SummaryOut | None


class StatementOut(PayoutOut):
    id: int
    created_at: datetime
    created_by: str | None


class StatementPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[StatementOut]
