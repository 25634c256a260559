"""The reads of quality reviews (docs/qa.md), each authorising through `qa.access`."""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean

from django.db.models import QuerySet

from afterdesk.accounts.models import User
from afterdesk.core.errors import NotFound
from afterdesk.qa import access
from afterdesk.qa.models import Calibration, Review, ReviewState, Rubric


def rubrics_list() -> QuerySet[Rubric]:
    return Rubric.objects.prefetch_related("categories").order_by("name")


def reviews_received(user: User) -> QuerySet[Review]:
    """The agent's own reviews (calibration grades are not reviews of them)."""
    return access.reviews_visible(user).filter(agent=user, calibration__isnull=True)[:100]


def reviews_given(user: User) -> QuerySet[Review]:
    return access.reviews_visible(user).filter(reviewer=user, calibration__isnull=True)[:100]


def disputes_open(user: User) -> QuerySet[Review]:
    if not access.can_manage(user):
        return Review.objects.none()
    return access.reviews_visible(user).filter(state=ReviewState.DISPUTED).order_by("disputed_at")


def ticket_reviews(user: User, ticket_id: int) -> QuerySet[Review]:
    return access.reviews_visible(user).filter(ticket_id=ticket_id, calibration__isnull=True)


def calibration_get(*, user: User, calibration_id: int) -> Calibration:
    rows = Calibration.objects.select_related("rubric")
    if not access.can_manage(user):
        rows = rows.filter(reviewers=user)
    found = rows.filter(pk=calibration_id).first()
    if found is None:
        raise NotFound(f"calibration session {calibration_id} not found")
    return found


def calibrations_for(user: User) -> QuerySet[Calibration]:
    rows = Calibration.objects.select_related("rubric")
    if access.can_manage(user):
        return rows[:50]
    return rows.filter(reviewers=user)[:50]


@dataclass
class Grade:
    reviewer: User
    score: float
    deviation: float


@dataclass
class TicketResult:
    ticket_id: int
    subject: str
    graded_by_me: bool
    visible: bool
    count: int
    consensus: float | None = None
    spread: float | None = None
    grades: list[Grade] = field(default_factory=list)


@dataclass
class CalibrationResults:
    tickets: list[TicketResult]
    # reviewer username → mean absolute deviation from the consensus over the visible tickets
    deviation: dict[str, float]
    reviewers: list[User]


def calibration_results(*, user: User, session: Calibration) -> CalibrationResults:
    """Per conversation: each grade, the consensus (the mean) and the spread (highest − lowest).
    Blind: a reviewer sees the others' grades of a conversation only after grading it."""
    manager = access.can_manage(user)
    reviews = list(session.reviews.select_related("reviewer").order_by("reviewer__username"))
    by_ticket: dict[int, list[Review]] = {}
    for review in reviews:
        by_ticket.setdefault(review.ticket_id, []).append(review)
    results: list[TicketResult] = []
    deviations: dict[str, list[float]] = {}
    for ticket in session.tickets.order_by("pk"):
        graded = by_ticket.get(ticket.pk, [])
        mine = any(r.reviewer_id == user.pk for r in graded)
        row = TicketResult(ticket.pk, ticket.subject, mine, manager or mine, len(graded))
        if row.visible and graded:
            scores = [r.score for r in graded]
            row.consensus = mean(scores)
            row.spread = max(scores) - min(scores)
            for review in graded:
                deviation = review.score - row.consensus
                row.grades.append(Grade(review.reviewer, review.score, deviation))
                deviations.setdefault(review.reviewer.username, []).append(abs(deviation))
        results.append(row)
    return CalibrationResults(
        tickets=results,
        deviation={name: mean(values) for name, values in sorted(deviations.items())},
        reviewers=list(session.reviewers.order_by("username")),
    )
