"""Who may do what with quality reviews (docs/qa.md, "Who may do what"): the one rule the
pages and the API both call.

- Supervisors and admins manage rubrics, sampling assignments, calibration sessions and the
  settings, and resolve disputes.
- QA reviewers, supervisors and admins review conversations: those in their queue or their
  calibration sessions, and the tickets they may see.
- Every agent sees the (non-calibration) reviews of their own conversations, and acknowledges
  or disputes them; a review someone may not see answers 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from afterdesk.accounts.models import Role, User
from afterdesk.core.errors import NotFound, PermissionDenied
from afterdesk.qa.models import Calibration, Review, SampleItem
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.selectors import tickets_for_user

REVIEWER_ROLES = frozenset({Role.QA_REVIEWER.value, Role.SUPERVISOR.value, Role.ADMIN.value})


def can_manage(user: User) -> bool:
    return user.is_active and user.sees_all_tickets


def can_review(user: User) -> bool:
    return user.is_active and (user.role in REVIEWER_ROLES or user.is_superuser)


def manage_require(user: User) -> None:
    if not can_manage(user):
        raise PermissionDenied("only supervisors and admins manage QA and resolve disputes")


def review_require(user: User) -> None:
    if not can_review(user):
        raise PermissionDenied("only QA reviewers, supervisors and admins review conversations")


def ticket_for_review(*, user: User, ticket_id: int) -> Ticket:
    """The ticket `user` may review: any for supervisors and admins; else one in their queue,
    one of their calibration sessions, or one they may see on the desk."""
    review_require(user)
    rows = Ticket.objects.select_related("assignee", "team")
    if not user.sees_all_tickets:
        rows = rows.filter(
            Q(pk__in=SampleItem.objects.filter(reviewer=user).values("ticket"))
            | Q(
                pk__in=Calibration.tickets.through.objects.filter(
                    calibration__reviewers=user
                ).values("ticket")
            )
            | Q(pk__in=tickets_for_user(user=user).values("pk"))
        )
    ticket = rows.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


def reviews_visible(user: User) -> QuerySet[Review]:
    rows = Review.objects.select_related("ticket", "agent", "reviewer", "rubric", "resolved_by")
    if not user.is_active:
        return rows.none()
    if can_manage(user):
        return rows
    # Calibration grades are blind: only their reviewer sees them (the session shows the rest).
    return rows.filter(Q(reviewer=user) | Q(agent=user, calibration__isnull=True))


def review_get(*, user: User, review_id: int) -> Review:
    review = reviews_visible(user).filter(pk=review_id).first()
    if review is None:
        raise NotFound(f"review {review_id} not found")
    return review
