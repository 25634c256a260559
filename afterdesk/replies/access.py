"""Who may do what with replies (docs/replies.md, "Who manages what"): the one rule the pages
and the API both call.

- Everyone signed in reads the templates and the articles, uses the shared macros and their
  own personal macros.
- Admins and supervisors create, change and delete templates, shared macros, articles and
  return addresses (403 for anyone else).
- A personal macro belongs to its owner alone: someone else's answers 404, as if it did not
  exist (an admin included: personal means personal).
"""

from __future__ import annotations

from django.db.models import Q

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.replies.models import Macro


def can_manage_shared(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def shared_manage_require(user: User) -> None:
    if not can_manage_shared(user):
        raise PermissionDenied(
            "only admins and supervisors change templates, shared macros and articles"
        )


def macros_visible(user: User) -> Q:
    """The macros `user` may see and apply: the shared ones and their own."""
    return Q(owner__isnull=True) | Q(owner=user)


def macro_use_require(user: User, macro: Macro) -> None:
    if macro.owner_id is not None and macro.owner_id != user.pk:
        raise NotFound("no such macro")


def macro_edit_require(user: User, macro: Macro) -> None:
    """Change or delete: a shared macro needs a manager, a personal one its owner."""
    macro_use_require(user, macro)
    if macro.owner_id is None:
        shared_manage_require(user)
