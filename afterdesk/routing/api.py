"""The routing API (docs/routing.md, "Pages and API"): rules, agents' skills, capacity and
shifts, teams' settings (supervisors read, admins write), one's own presence, approvals."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.models import User
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS
from afterdesk.routing import access, approvals, rules, selectors, services
from afterdesk.routing.models import ApprovalRequest, RoutingRule
from afterdesk.routing.schemas import (
    AgentRoutingIn,
    AgentRoutingOut,
    RoutingApprovalCheckIn,
    RoutingApprovalCheckOut,
    RoutingApprovalDecisionIn,
    RoutingApprovalIn,
    RoutingApprovalOut,
    RoutingPresenceIn,
    RoutingPresenceOut,
    RoutingRuleIn,
    RoutingRuleOut,
    TeamRoutingIn,
    TeamRoutingOut,
)
from afterdesk.tickets.selectors import ticket_get_for_user

router = Router(tags=["routing"])
CONFIGURE = requires(access.configure_require)


@router.get("/routing/rules", response={200: list[RoutingRuleOut], **READ_ERRORS})
def rules_list(request: HttpRequest) -> list[RoutingRule]:
    """The rules in the order they are tried (supervisors and admins)."""
    return selectors.rules_list(user=request_user(request))


@router.get("/routing/rules/{rule_id}", response={200: RoutingRuleOut, **READ_ERRORS})
def rule_get(request: HttpRequest, rule_id: int) -> RoutingRule:
    return selectors.rule_get(user=request_user(request), rule_id=rule_id)


@router.post("/routing/rules", response={201: RoutingRuleOut, **WRITE_ERRORS}, auth=CONFIGURE)
def rule_create(request: HttpRequest, payload: RoutingRuleIn) -> Status[RoutingRule]:
    user = request_user(request)
    rule = rules.rule_create(by=user, data=payload.model_dump())
    return Status(201, selectors.rule_get(user=user, rule_id=rule.pk))


@router.put(
    "/routing/rules/{rule_id}", response={200: RoutingRuleOut, **WRITE_ERRORS}, auth=CONFIGURE
)
def rule_update(request: HttpRequest, rule_id: int, payload: RoutingRuleIn) -> RoutingRule:
    user = request_user(request)
    rule = selectors.rule_get(user=user, rule_id=rule_id)
    rules.rule_update(by=user, rule=rule, data=payload.model_dump())
    return selectors.rule_get(user=user, rule_id=rule_id)


@router.delete("/routing/rules/{rule_id}", response={204: None, **WRITE_ERRORS}, auth=CONFIGURE)
def rule_delete(request: HttpRequest, rule_id: int) -> Status[None]:
    user = request_user(request)
    rules.rule_delete(by=user, rule=selectors.rule_get(user=user, rule_id=rule_id))
    return Status(204, None)


@router.get("/routing/agents", response={200: list[AgentRoutingOut], **READ_ERRORS})
def agents_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every agent's skills, capacity, open tickets, presence and shift."""
    return selectors.agents_routing(user=request_user(request))


@router.put(
    "/routing/agents/{username}", response={200: AgentRoutingOut, **WRITE_ERRORS}, auth=CONFIGURE
)
def agent_update(request: HttpRequest, username: str, payload: AgentRoutingIn) -> dict[str, Any]:
    user = request_user(request)
    selectors.agent_routing(user=user, username=username)  # 404 for an unknown agent
    agent = User.objects.get(username=username)
    data = payload.model_dump()
    if data["languages"] is None:
        data.pop("languages")
    services.agent_routing_update(by=user, user=agent, data=data)
    return selectors.agent_routing(user=user, username=username)


@router.get("/routing/teams", response={200: list[TeamRoutingOut], **READ_ERRORS})
def teams_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        _team_out(team, row) for team, row in selectors.teams_routing(user=request_user(request))
    ]


@router.put(
    "/routing/teams/{team_id}", response={200: TeamRoutingOut, **WRITE_ERRORS}, auth=CONFIGURE
)
def team_update(request: HttpRequest, team_id: int, payload: TeamRoutingIn) -> dict[str, Any]:
    user = request_user(request)
    team = selectors.team_get(user=user, team_id=team_id)
    return _team_out(
        team, services.team_routing_update(by=user, team=team, data=payload.model_dump())
    )


def _team_out(team: Any, row: Any) -> dict[str, Any]:
    return {
        "team": team.name,
        "auto_assign": row.auto_assign,
        "mode": row.mode,
        "reassign_after_minutes": row.reassign_after_minutes,
    }


@router.get("/routing/presence", response={200: RoutingPresenceOut, **READ_ERRORS})
def presence_get(request: HttpRequest) -> Any:
    """The caller's own presence."""
    return services.profile_get(request_user(request))


@router.put("/routing/presence", response={200: RoutingPresenceOut, **WRITE_ERRORS})
def presence_put(request: HttpRequest, payload: RoutingPresenceIn) -> Any:
    """Set one's own presence: online agents on shift get new tickets; tickets of an agent
    offline for long are reassigned."""
    return services.presence_set(user=request_user(request), presence=payload.presence)


@router.post("/routing/approvals/check", response={200: RoutingApprovalCheckOut, **WRITE_ERRORS})
def approval_check(request: HttpRequest, payload: RoutingApprovalCheckIn) -> dict[str, bool]:
    """Whether the caller needs a supervisor's approval for this refund or credit."""
    required = approvals.approval_required(request_user(request), payload.amount, payload.currency)
    return {"required": required}


@router.get("/routing/approvals", response={200: list[RoutingApprovalOut], **READ_ERRORS})
def approvals_list(request: HttpRequest, status: str = "") -> list[ApprovalRequest]:
    """Supervisors see every request, agents their own; `status` filters."""
    rows = approvals.approvals_visible(request_user(request))
    return list(rows.filter(status=status) if status else rows[:200])


@router.post("/routing/approvals", response={201: RoutingApprovalOut, **WRITE_ERRORS})
def approval_create(request: HttpRequest, payload: RoutingApprovalIn) -> Status[ApprovalRequest]:
    user = request_user(request)
    ticket = None
    if payload.ticket_id is not None:
        ticket = ticket_get_for_user(user=user, ticket_id=payload.ticket_id)
    row = approvals.approval_request_create(
        by=user,
        kind=payload.kind,
        amount=payload.amount,
        currency=payload.currency,
        ticket=ticket,
        note=payload.note,
    )
    return Status(201, approvals.approval_get(user=user, request_id=row.pk))


@router.post(
    "/routing/approvals/{request_id}/decision", response={200: RoutingApprovalOut, **WRITE_ERRORS}
)
def approval_decide(
    request: HttpRequest, request_id: int, payload: RoutingApprovalDecisionIn
) -> ApprovalRequest:
    """Approve or deny (supervisors and admins; 409 when decided already)."""
    user = request_user(request)
    approvals.approval_get(user=user, request_id=request_id)  # 404 for what one cannot see
    row = approvals.approval_decide(
        by=user, request_id=request_id, approve=payload.approve, note=payload.note
    )
    return approvals.approval_get(user=user, request_id=row.pk)
