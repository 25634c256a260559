"""Who may do what with returns (docs/returns.md, "Who may do what"): the one rule the pages
and the API both call.

- A return case is seen and worked by whoever sees its ticket (`tickets.selectors`); a case
  of a ticket the user may not see answers 404, as the ticket would.
- QA reviewers read, they do not act.
- A policy override, and editing return policies, is for supervisors and admins.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.returns.models import ReturnCase
from afterdesk.tickets.selectors import tickets_for_user


def cases_visible(user: User) -> QuerySet[ReturnCase]:
    rows = ReturnCase.objects.select_related("ticket", "order", "order__store", "created_by")
    if not user.is_active:
        return rows.none()
    if user.sees_all_tickets:
        return rows
    return rows.filter(ticket__in=tickets_for_user(user=user))


def case_get(*, user: User, case_id: int | None = None, rma: str | None = None) -> ReturnCase:
    rows = cases_visible(user)
    found = rows.filter(pk=case_id).first() if case_id is not None else None
    if found is None and rma:
        found = rows.filter(rma__iexact=rma.strip()).first()
    if found is None:
        raise NotFound(_("no such return case"))
    return found


def act_require(user: User) -> None:
    if not user.is_active or user.role == Role.QA_REVIEWER:
        raise PermissionDenied(_("QA reviewers read return cases; they do not act on them"))


def can_override(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def override_require(user: User) -> None:
    if not can_override(user):
        raise PermissionDenied(_("only supervisors and admins override a return policy"))


def can_act(user: User) -> bool:
    return user.is_active and user.role != Role.QA_REVIEWER


def manage_require(user: User) -> None:
    """Return policies, step emails and return addresses are for supervisors and admins."""
    if not can_override(user):
        raise PermissionDenied(_("only supervisors and admins change the return settings"))
