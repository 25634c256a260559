"""The alerts API (supervisors and admins): list alerts, acknowledge one. Reads go through
`alerts.selectors` (which authorise), the write through `alerts.services`."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router

from afterdesk.accounts.models import User
from afterdesk.core.errors import PermissionDenied

from . import selectors, services
from .models import Alert
from .schemas import ERRORS, AlertFilterQuery, AlertOut, AlertPage

router = Router(tags=["alerts"])

AlertId = Annotated[int, Field(ge=1, le=2**63 - 1)]


def _caller(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - the API's auth ran already
        raise PermissionDenied("authentication required")
    return user


@router.get("/alerts", response={200: AlertPage, **ERRORS})
def alerts_list(request: HttpRequest, filters: Query[AlertFilterQuery]) -> dict[str, Any]:
    """Alerts, newest first; `acknowledged=false` gives the open ones."""
    queryset = selectors.alerts_for_user(
        user=_caller(request), kind=filters.kind, acknowledged=filters.acknowledged
    )
    count = queryset.count()
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.post("/alerts/{alert_id}/acknowledge", response={200: AlertOut, **ERRORS})
def alert_acknowledge(request: HttpRequest, alert_id: AlertId) -> Alert:
    """Mark the alert as seen; acknowledging it again changes nothing."""
    user = _caller(request)
    alert = selectors.alert_get_for_user(user=user, alert_id=alert_id)
    services.alert_acknowledge(alert=alert, by=user)
    return selectors.alert_get_for_user(user=user, alert_id=alert_id)
