"""Reads of SLA policies and a ticket's clocks, each authorising (docs/sla.md, "Policies"):
supervisors and admins read the policies, admins change them; whoever may see a ticket sees
its deadlines."""

from __future__ import annotations

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.sla.models import Policy, TicketSla
from afterdesk.tickets.selectors import ticket_get_for_user


def policies_require_read(*, user: User) -> None:
    """The one rule of the policies' pages and API: supervisors and admins read them."""
    if not user.sees_all_tickets:
        raise PermissionDenied("SLA policies are for supervisors and admins")


def policies_list(*, user: User) -> QuerySet[Policy]:
    policies_require_read(user=user)
    return Policy.objects.select_related("calendar").order_by("position", "id")


def policy_get(*, user: User, policy_id: int) -> Policy:
    policy = policies_list(user=user).filter(pk=policy_id).first()
    if policy is None:
        raise NotFound(f"policy {policy_id} not found")
    return policy


def ticket_sla_get(*, user: User, ticket_id: int) -> TicketSla | None:
    """The ticket's SLA state (None: no policy has reached it yet); NotFound when the user
    may not see the ticket."""
    ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
    return TicketSla.objects.select_related("policy").filter(ticket=ticket).first()
