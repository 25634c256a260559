"""Reads of the notifications app. A person sees their own notifications only: every view
and endpoint goes through these selectors, so that rule lives here. Also who the
"supervisors" of a team are, the one answer the apps above share."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import NotFound

from .models import Notification, NotificationKind, Preference

# The bell shows at most this; more reads "99+" (the count stops there, so it stays cheap).
BELL_CAP = 99


def notifications_for_user(*, user: User, unread: bool | None = None) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread=True` the unread ones only."""
    queryset = Notification.objects.filter(recipient=user).select_related("actor")
    if unread is True:
        queryset = queryset.filter(read_at__isnull=True)
    elif unread is False:
        queryset = queryset.filter(read_at__isnull=False)
    return queryset


def unread_count(*, user: User, cap: int | None = None) -> int:
    """How many unread; with `cap`, counting stops at cap + 1 (one indexed query)."""
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if cap is None:
        return queryset.count()
    return len(queryset.values_list("pk", flat=True)[: cap + 1])


def notification_get_for_user(*, user: User, notification_id: int) -> Notification:
    """The user's notification; another person's answers as if it did not exist."""
    row = notifications_for_user(user=user).filter(pk=notification_id).first()
    if row is None:
        raise NotFound("no such notification")
    return row


def email_muted(*, user_ids: Iterable[int], kind: str) -> set[int]:
    """Those of `user_ids` who turned this kind's email off."""
    return set(
        Preference.objects.filter(user_id__in=list(user_ids), kind=kind, email=False).values_list(
            "user_id", flat=True
        )
    )


def preferences_of(*, user: User) -> dict[str, bool]:
    """Every kind with whether its email is on for the user (on without a row)."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "email"))
    return {kind: chosen.get(kind, True) for kind in NotificationKind.values}


def supervisors_for_team(team_id: int | None) -> list[User]:
    """The active supervisors of the team; without any (no team, or none in it), every active
    supervisor and admin. The people a breach, an escalation to a team or an approval is for."""
    people = User.objects.filter(is_active=True).order_by("username")
    found: list[User] = []
    if team_id is not None:
        found = list(people.filter(role=Role.SUPERVISOR, teams=team_id))
    if not found:
        found = list(people.filter(role__in=[Role.SUPERVISOR, Role.ADMIN]))
    return found
