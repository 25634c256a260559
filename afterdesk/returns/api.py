"""The returns API (docs/returns.md, "Pages and API")."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Id
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.returns import access, analytics, selectors
from afterdesk.returns.actions import Action, case_act
from afterdesk.returns.models import ReturnCase
from afterdesk.returns.schemas import ActionIn, CaseIn, CaseOut, ReturnsAnalyticsOut
from afterdesk.returns.services.cases import LineIn, case_create
from afterdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["returns"])
# QA reviewers read and do not act: refused before the path and the body are read, so they get
# 403 whatever they send (afterdesk.accounts.api_auth.requires).
ACT = requires(access.act_require)
ANALYTICS = requires(analytics.analytics_require)


class ReturnsPeriodQuery(Schema):
    from_: str = Field("", alias="from", max_length=10, description="YYYY-MM-DD (included)")
    to: str = Field("", max_length=10, description="YYYY-MM-DD (included)")


@router.get(
    "/returns/analytics", response={200: ReturnsAnalyticsOut, **READ_ERRORS}, auth=ANALYTICS
)
def returns_analytics(request: HttpRequest, period: Query[ReturnsPeriodQuery]) -> dict[str, object]:
    """The analytics page's figures for a period (`from`, `to`, both included; the last
    complete month without them): returns by SKU, product, market and supplier, and tickets
    by SKU and issue type. Supervisors and admins; a bad date is a 422 naming the field."""
    chosen = analytics.period_parse(period.from_, period.to, today=timezone.localdate())
    return analytics.analytics_figures(request_user(request), chosen)


@router.get("/returns", response={200: list[CaseOut], **READ_ERRORS})
def cases_list(request: HttpRequest, queue: str = "open") -> list[ReturnCase]:
    """`queue`: open, pending_approval, warehouse, refund_failed, resolved, all."""
    if queue not in selectors.QUEUES:
        raise ValidationError(f"queue must be one of {', '.join(selectors.QUEUES)}", field="queue")
    return list(selectors.cases_list(user=request_user(request), queue=queue)[:200])


@router.get("/returns/{case_id}", response={200: CaseOut, **READ_ERRORS})
def case_get(request: HttpRequest, case_id: Id) -> ReturnCase:
    return access.case_get(user=request_user(request), case_id=case_id)


@router.post("/returns", response={201: CaseOut, **WRITE_ERRORS}, auth=ACT)
def case_open(request: HttpRequest, payload: CaseIn) -> Status[ReturnCase]:
    user = request_user(request)
    ticket = ticket_get_for_user(user=user, ticket_id=payload.ticket_id)
    order = ticket.orders.filter(pk=payload.order_id).first()
    if order is None:
        raise NotFound(_("no such order on this ticket"))
    case = case_create(
        by=user,
        ticket=ticket,
        order=order,
        lines=[LineIn(line.order_line_id, line.quantity) for line in payload.lines],
        reason=payload.reason,
        requested_resolution=payload.requested_resolution,
        note=payload.note,
        override_note=payload.override_note,
    )
    return Status(201, access.case_get(user=user, case_id=case.pk))


@router.post("/returns/{case_id}/actions", response={200: CaseOut, **WRITE_ERRORS}, auth=ACT)
def case_action(request: HttpRequest, case_id: Id, payload: ActionIn) -> ReturnCase:
    user = request_user(request)
    case = access.case_get(user=user, case_id=case_id)
    case_act(by=user, case=case, act=Action(**payload.model_dump()))
    return access.case_get(user=user, case_id=case_id)
