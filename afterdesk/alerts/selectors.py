"""Reads of the alerts app. Only supervisors and admins see alerts: every view and endpoint
goes through these selectors, so that rule lives here."""

from __future__ import annotations

from django.db.models import QuerySet

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError
from afterdesk.metrics.access import Access

from .models import Alert, AlertKind


def alerts_can_view(user: User) -> bool:
    """Active managers (supervisors and admins, as `metrics.access` has them)."""
    return user.is_active and Access(user).manager


def _authorise(user: User) -> None:
    if not alerts_can_view(user):
        raise PermissionDenied("alerts are for supervisors and admins")


def alerts_require_viewer(*, user: User) -> None:
    """Alerts are for supervisors and admins: PermissionDenied for anyone else."""
    _authorise(user)


def alerts_for_user(
    *, user: User, kind: str | None = None, acknowledged: bool | None = None
) -> QuerySet[Alert]:
    """Alerts, newest first, optionally of one kind and (un)acknowledged only."""
    _authorise(user)
    queryset = Alert.objects.select_related("ticket", "agent", "team", "acknowledged_by")
    if kind is not None:
        if kind not in AlertKind.values:
            raise ValidationError(
                f"unknown alert kind {kind!r}; use {', '.join(AlertKind.values)}", field="kind"
            )
        queryset = queryset.filter(kind=kind)
    if acknowledged is not None:
        queryset = queryset.filter(acknowledged_at__isnull=not acknowledged)
    return queryset.order_by("-created_at", "-id")


def alert_get_for_user(*, user: User, alert_id: int) -> Alert:
    _authorise(user)
    alert = (
        Alert.objects.select_related("ticket", "agent", "team", "acknowledged_by")
        .filter(pk=alert_id)
        .first()
    )
    if alert is None:
        raise NotFound(f"no alert {alert_id}")
    return alert


def alert_recipients() -> list[str]:
    """Addresses of the active supervisors and admins who have one, sorted, no repeats."""
    emails = (
        User.objects.filter(is_active=True, role__in=[Role.SUPERVISOR, Role.ADMIN])
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({email.strip() for email in emails if email.strip()})
