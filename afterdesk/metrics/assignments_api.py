"""Template assignments through the API (docs/api.md, "Performance and calendars").

Everyone signed in reads which template scores each position; only admins change it. Every
change is recorded (who, when, old → new) and listed by `/template-assignments/history`.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.accounts.selectors import agent_get_by_username
from afterdesk.core.api_schemas import AUTH_ERRORS, WRITE_ERRORS, ErrorOut, PageQuery, paginate
from afterdesk.metrics.access import access_require
from afterdesk.metrics.assignments import (
    AssignedTemplate,
    assignments_overview,
    template_assign,
)
from afterdesk.metrics.models import TemplateAssignment
from afterdesk.metrics.schemas import (
    AssignmentChangeOut,
    AssignmentIn,
    AssignmentPage,
    AssignmentsOut,
    AssignmentsQuery,
)

router = Router(tags=["performance"])


def _assigned(found: AssignedTemplate | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"key": found.key, "name": found.name, "version": found.version.number}


@router.get("/template-assignments", response={200: AssignmentsOut, **AUTH_ERRORS, 422: ErrorOut})
def assignments_get(request: HttpRequest, query: Query[AssignmentsQuery]) -> dict[str, Any]:
    """Every position (in use or assigned) with its agents and the template in force on
    `date` (default: today), and the agents with a personal assignment in force."""
    request_user(request)
    day = query.date or timezone.now().date()
    at = datetime.combine(day, time.max, tzinfo=UTC)
    overview = assignments_overview(at=at)
    return {
        "date": day,
        "positions": [
            {
                "position": p.position,
                "agents": [u.username for u in p.agents],
                "template": _assigned(p.template),
                "since": p.since,
            }
            for p in overview.positions
        ],
        "personal": [
            {"agent": user.username, "template": _assigned(found)}
            for user, found in overview.personal
        ],
    }


@router.get(
    "/template-assignments/history",
    response={200: AssignmentPage, **AUTH_ERRORS, 422: ErrorOut},
)
def assignments_history(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every assignment change, newest first: who, when, target, from which date, old → new."""
    request_user(request)
    result = paginate(
        TemplateAssignment.objects.select_related(
            "template", "previous_template", "agent", "changed_by"
        ).order_by("-changed_at", "-id"),
        page,
    )
    return {
        "count": result.count,
        "limit": result.limit,
        "offset": result.offset,
        "items": result.items,
    }


@router.post(
    "/template-assignments",
    response={200: AssignmentChangeOut, 201: AssignmentChangeOut, **WRITE_ERRORS},
    auth=requires(lambda user: access_require(user, "configure")),
)
def assignment_create(request: HttpRequest, payload: AssignmentIn) -> Status[TemplateAssignment]:
    """Assign a template (or `null`: none) to a position or to one agent from a date (admins).
    201 with the recorded change; 200 when that template is already in force from that date."""
    user = access_require(request_user(request), "configure").user
    agent = agent_get_by_username(username=payload.agent) if payload.agent else None
    before = TemplateAssignment.objects.count()
    row = template_assign(
        template_key=payload.template,
        position=payload.position or "",
        agent=agent,
        effective_from=payload.effective_from,
        by=user,
    )
    return Status(201 if TemplateAssignment.objects.count() > before else 200, row)
