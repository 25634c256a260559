"""Who may do what with routing (docs/routing.md, "Who may do what"): the one rule the pages and
the API both call.

- Admins change the rules, the teams' assignment settings and the agents' routing profiles
  (skills, capacity, shift, approval limit); supervisors read them (403 for anyone else).
- Every agent sets their own presence.
- Admins and supervisors decide approval requests; an agent sees and files their own.
"""

from __future__ import annotations

from afterdesk.accounts.models import User
from afterdesk.core.errors import PermissionDenied


def can_configure(user: User) -> bool:
    return user.is_active and user.can_configure


def can_read(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def configure_require(user: User) -> None:
    if not can_configure(user):
        raise PermissionDenied("only admins change routing rules, skills, capacity and shifts")


def read_require(user: User) -> None:
    if not can_read(user):
        raise PermissionDenied("only admins and supervisors see the routing settings")


def can_decide(user: User) -> bool:
    """Approves or denies refunds and credits above an agent's limit."""
    return user.is_active and user.sees_all_tickets


def decide_require(user: User) -> None:
    if not can_decide(user):
        raise PermissionDenied("only supervisors and admins approve or deny requests")
