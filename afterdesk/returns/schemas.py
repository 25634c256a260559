"""Request and response schemas of the returns API (docs/returns.md, "Pages and API"). The
values are checked by the returns services, so the pages and the API refuse alike."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from afterdesk.core.api_schemas import InputSchema, SafeStr


class LineInSchema(InputSchema):
    order_line_id: int
    quantity: int = Field(ge=1)


class CaseIn(InputSchema):
    ticket_id: int
    order_id: int
    lines: list[LineInSchema]
    reason: SafeStr
    requested_resolution: SafeStr
    note: SafeStr = Field("", max_length=2000)
    override_note: SafeStr = Field("", max_length=2000)


class ActionIn(InputSchema):
    """One step: `action` is approve, reject, label, in_transit, receive, inspect, offer,
    answer, refund, resolve, confirm_refund; the other fields are what that step needs."""

    action: SafeStr
    note: SafeStr = Field("", max_length=2000)
    carrier: SafeStr = Field("", max_length=50)
    tracking_number: SafeStr = Field("", max_length=100)
    label_cost: Decimal | None = Field(None, description="what the return label cost (label)")
    qc: dict[int, SafeStr] = Field(default_factory=dict, description="return line id → result")
    percent: Decimal | None = None
    accepted: bool | None = None
    amount: Decimal | None = None
    resolution: SafeStr = ""
    refund_id: int | None = None
    platform_refund_id: SafeStr = Field("", max_length=200)


class ReturnLineOut(Schema):
    id: int
    order_line_id: int
    sku: str = Field(alias="order_line.sku")
    title: str = Field(alias="order_line.title")
    quantity: int
    unit_price: Decimal = Field(alias="order_line.unit_price")
    qc_result: str
    qc_note: str


class RefundOut(Schema):
    id: int
    amount: Decimal
    currency: str
    resolution: str
    state: str
    platform_refund_id: str
    error: str
    created_at: datetime


class CaseOut(Schema):
    id: int
    rma: str
    ticket_id: int
    order_id: int
    order_number: str = Field(alias="order.number")
    reason: str
    requested_resolution: str
    state: str
    resolution: str
    policy_note: str
    override_note: str
    retention: str
    retention_percent: Decimal | None
    carrier: str
    tracking_number: str
    label_cost: Decimal | None
    approval_id: int | None
    approval_status: str | None = Field(None, alias="approval.status")
    created_by: str = Field(alias="created_by.username")
    created_at: datetime
    updated_at: datetime
    lines: list[ReturnLineOut] = Field(alias="lines.all")
    refunds: list[RefundOut] = Field(alias="refunds.all")


class ReturnsTallyOut(Schema):
    ordered: int = Field(description="Units ordered in the period")
    returned: int = Field(description="Units returned (requested in the period)")
    return_rate: float | None = Field(
        description="returned ÷ ordered, 4 decimals; null when nothing was ordered"
    )
    refunded: Decimal
    return_shipping: Decimal
    cost: Decimal = Field(description="refunded + return_shipping")
    reasons: dict[str, int] = Field(description="Returned units per reason (every reason)")


class ReturnsSkuOut(ReturnsTallyOut):
    sku: str
    market: str
    product: str


class ReturnsGroupOut(ReturnsTallyOut):
    name: str = Field(description='The product, market or supplier ("": none)')


class ReturnsIssuesOut(Schema):
    sku: str
    market: str
    product: str
    tickets: int
    issues: dict[str, int] = Field(description="Tickets per issue type (every type)")


class ReturnsAnalyticsOut(Schema):
    """The figures of the analytics page for a period, table by table (docs/returns.md,
    "Analytics")."""

    start: date
    end: date
    by_sku: list[ReturnsSkuOut]
    by_product: list[ReturnsGroupOut]
    by_market: list[ReturnsGroupOut]
    by_supplier: list[ReturnsGroupOut]
    issues_by_sku: list[ReturnsIssuesOut] = Field(description="The 500 SKUs with most tickets")
