"""The alerts API (supervisors and admins): list alerts, acknowledge one. Reads go through
`alerts.selectors` (which authorise), the write through `alerts.services`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.core.api_schemas import READ_ERRORS, Id

from . import selectors, services
from .models import Alert
from .schemas import AlertFilterQuery, AlertOut, AlertPage

router = Router(tags=["alerts"])
# Checked before the path is read (afterdesk.accounts.api_auth.requires).
VIEWERS = requires(lambda user: selectors.alerts_require_viewer(user=user))


@router.get("/alerts", response={200: AlertPage, **READ_ERRORS})
def alerts_list(request: HttpRequest, filters: Query[AlertFilterQuery]) -> dict[str, Any]:
    """Alerts, newest first; `acknowledged=false` gives the open ones."""
    queryset = selectors.alerts_for_user(
        user=request_user(request), kind=filters.kind, acknowledged=filters.acknowledged
    )
    count = queryset.count()
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post(
    "/alerts/{alert_id}/acknowledge", response={200: AlertOut, **READ_ERRORS}, auth=VIEWERS
)
def alert_acknowledge(request: HttpRequest, alert_id: Id) -> Alert:
    """Mark the alert as seen; acknowledging it again changes nothing."""
    user = request_user(request)
    alert = selectors.alert_get_for_user(user=user, alert_id=alert_id)
    services.alert_acknowledge(alert=alert, by=user)
    return selectors.alert_get_for_user(user=user, alert_id=alert_id)
