"""The notifications API: one's own notifications, marking them read, one's email choices.
Everyone signed in, on their own rows only (`notifications.selectors`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from afterdesk.accounts.api_auth import request_user
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS, Id

from . import selectors, services
from .models import Notification
from .schemas import (
    MarkedOut,
    NotificationFilterQuery,
    NotificationOut,
    NotificationPage,
    PreferencesIn,
    PreferencesOut,
)

router = Router(tags=["notifications"])


@router.get("/notifications", response={200: NotificationPage, **READ_ERRORS})
def notifications_list(
    request: HttpRequest, filters: Query[NotificationFilterQuery]
) -> dict[str, Any]:
    """The caller's notifications, newest first; `unread=true` gives the unread ones."""
    user = request_user(request)
    queryset = selectors.notifications_for_user(user=user, unread=filters.unread)
    items = list(queryset[filters.offset : filters.offset + filters.limit])
    return {
        "count": queryset.count(),
        "unread": selectors.unread_count(user=user),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": items,
    }


@router.post("/notifications/read-all", response={200: MarkedOut, **WRITE_ERRORS})
def notifications_read_all(request: HttpRequest) -> dict[str, int]:
    """Mark every unread notification of the caller read."""
    return {"marked": services.notifications_mark_all_read(user=request_user(request))}


@router.post(
    "/notifications/{notification_id}/read", response={200: NotificationOut, **READ_ERRORS}
)
def notification_read(request: HttpRequest, notification_id: Id) -> Notification:
    """Mark one read (again: nothing changes). Another person's is a 404."""
    row = selectors.notification_get_for_user(
        user=request_user(request), notification_id=notification_id
    )
    return services.notification_mark_read(notification=row)


@router.get("/notifications/preferences", response={200: PreferencesOut, **READ_ERRORS})
def notification_preferences(request: HttpRequest) -> dict[str, Any]:
    """Which kinds the caller gets by email (all of them until chosen otherwise)."""
    return {"email": selectors.preferences_of(user=request_user(request))}


@router.put("/notifications/preferences", response={200: PreferencesOut, **WRITE_ERRORS})
def notification_preferences_set(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    """Email on for the kinds listed, off for the others; in-app notifications always come."""
    chosen = services.preferences_set(
        user=request_user(request), email_kinds=[str(kind) for kind in payload.email_kinds]
    )
    return {"email": chosen}
