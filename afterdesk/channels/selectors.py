"""Reads of inbound email, for admins and supervisors only (docs/channels.md, "Who sees
what"): the raw messages may hold anything a stranger sent, so agents see the tickets they
became, not this list."""

from __future__ import annotations

from django.db.models import QuerySet

from afterdesk.accounts.models import Role, User
from afterdesk.channels.models import InboundEmail, InboundState
from afterdesk.core.errors import NotFound, PermissionDenied, ValidationError


def inbound_can_view(user: User) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.SUPERVISOR)


def inbound_require_viewer(*, user: User) -> None:
    """PermissionDenied unless the user is an admin or a supervisor."""
    if not inbound_can_view(user):
        raise PermissionDenied("inbound email is for admins and supervisors")


def inbound_list(
    *, user: User, state: str | None = None, ticket_id: int | None = None
) -> QuerySet[InboundEmail]:
    """Inbound messages, newest first, optionally of one state or one ticket."""
    inbound_require_viewer(user=user)
    queryset = InboundEmail.objects.select_related("ticket", "mailbox").defer("html", "text_folded")
    if state:
        if state not in InboundState.values:
            raise ValidationError(
                f"unknown state {state!r}; use {', '.join(InboundState.values)}", field="state"
            )
        queryset = queryset.filter(state=state)
    if ticket_id is not None:
        queryset = queryset.filter(ticket_id=ticket_id)
    return queryset.order_by("-received_at", "-id")


def inbound_get(*, user: User, inbound_id: int) -> InboundEmail:
    inbound_require_viewer(user=user)
    inbound = (
        InboundEmail.objects.select_related("ticket", "mailbox", "ticket_message")
        .filter(pk=inbound_id)
        .first()
    )
    if inbound is None:
        raise NotFound(f"inbound message {inbound_id} not found")
    return inbound
