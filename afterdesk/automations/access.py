"""Who may do what with automations (docs/automations.md, "Who may do what"): the one rule the
pages and the API both call. Admins change rules, coupon pools and codes; supervisors read
them, their dry runs and their firing logs; anyone else gets 403."""

from __future__ import annotations

from afterdesk.accounts.models import User
from afterdesk.core.errors import PermissionDenied


def can_configure(user: User) -> bool:
    return user.is_active and user.can_configure


def can_read(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def configure_require(user: User) -> None:
    if not can_configure(user):
        raise PermissionDenied("only admins change automations and coupon pools")


def read_require(user: User) -> None:
    if not can_read(user):
        raise PermissionDenied("only admins and supervisors see the automations")
