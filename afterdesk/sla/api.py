"""The SLA API: policies (supervisors read, admins write) and a ticket's deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import user_require_configure
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS
from afterdesk.core.errors import NotFound, ValidationError
from afterdesk.core.timeutil import parse_instant
from afterdesk.sla import reports, selectors, services
from afterdesk.sla.models import Policy, TicketSla
from afterdesk.sla.schemas import (
    SlaPendingFlagOut,
    SlaPeriodQuery,
    SlaPolicyIn,
    SlaPolicyOut,
    SlaReportQuery,
    SlaReportRowOut,
    TicketSlaOut,
)

router = Router(tags=["sla"])
CONFIGURE = requires(lambda user: user_require_configure(user=user))


@router.get("/sla/policies", response={200: list[SlaPolicyOut], **READ_ERRORS})
def policies_list(request: HttpRequest) -> list[Policy]:
    """The policies in the order they are tried (supervisors and admins)."""
    return list(selectors.policies_list(user=request_user(request)))


@router.get("/sla/policies/{policy_id}", response={200: SlaPolicyOut, **READ_ERRORS})
def policy_get(request: HttpRequest, policy_id: int) -> Policy:
    return selectors.policy_get(user=request_user(request), policy_id=policy_id)


@router.post("/sla/policies", response={201: SlaPolicyOut, **WRITE_ERRORS}, auth=CONFIGURE)
def policy_create(request: HttpRequest, payload: SlaPolicyIn) -> Status[Policy]:
    """A new policy (admins); every ticket's deadlines are recomputed after it is saved."""
    user = request_user(request)
    policy = services.policy_create(by=user, data=payload.model_dump())
    return Status(201, selectors.policy_get(user=user, policy_id=policy.pk))


@router.put(
    "/sla/policies/{policy_id}", response={200: SlaPolicyOut, **WRITE_ERRORS}, auth=CONFIGURE
)
def policy_update(request: HttpRequest, policy_id: int, payload: SlaPolicyIn) -> Policy:
    """Replace a policy's fields (admins); e.g. `enabled: false` turns the preset off."""
    user = request_user(request)
    policy = selectors.policy_get(user=user, policy_id=policy_id)
    services.policy_update(by=user, policy=policy, data=payload.model_dump())
    return selectors.policy_get(user=user, policy_id=policy_id)


@router.delete("/sla/policies/{policy_id}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE)
def policy_delete(request: HttpRequest, policy_id: int) -> Status[None]:
    user = request_user(request)
    services.policy_delete(by=user, policy=selectors.policy_get(user=user, policy_id=policy_id))
    return Status(204, None)


@router.get("/tickets/{ticket_id}/sla", response={200: TicketSlaOut, **READ_ERRORS})
def ticket_sla(request: HttpRequest, ticket_id: int) -> TicketSla:
    """The ticket's deadlines and clocks, for whoever may see the ticket; 404 when no policy
    has given it a clock."""
    state = selectors.ticket_sla_get(user=request_user(request), ticket_id=ticket_id)
    if state is None:
        raise NotFound(f"ticket {ticket_id} has no SLA clock")
    return state


def _instant(name: str, value: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise ValidationError(f"{name}: {exc}", field=name) from exc


@router.get("/sla/report", response={200: list[SlaReportRowOut], **READ_ERRORS})
def sla_report(request: HttpRequest, query: Query[SlaReportQuery]) -> Any:
    """% of clocks that met their target per group, with the breached tickets (supervisors
    and admins); `format=csv` for the download."""
    rows = reports.sla_report(
        user=request_user(request),
        start=_instant("from", query.start),
        end=_instant("to", query.end),
        by=query.by,
    )
    if query.format == "csv":
        response = HttpResponse(reports.sla_report_csv(rows, by=query.by), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="sla-{query.by}.csv"'
        return response
    return [
        {
            "key": row.key,
            "targets": {
                target: {"clocks": f.decided, "met": f.met, "met_rate": f.met_rate}
                for target, f in row.targets.items()
                if f.decided
            },
            "breaches": [{"ticket": t, "target": g, "due": d} for t, g, d in row.breaches],
        }
        for row in rows
    ]


@router.get("/sla/pending-abuse", response={200: list[SlaPendingFlagOut], **READ_ERRORS})
def sla_pending_abuse(request: HttpRequest, query: Query[SlaPeriodQuery]) -> list[dict[str, str]]:
    """Tickets set pending within an hour of a running deadline that came back without a
    buyer message (supervisors and admins)."""
    flags = reports.pending_abuse(
        user=request_user(request),
        start=_instant("from", query.start),
        end=_instant("to", query.end),
    )
    return [reports.flag_out(flag) for flag in flags]
