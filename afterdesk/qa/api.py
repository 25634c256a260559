"""The qa API (docs/qa.md, "Pages and API"): rubrics, settings and sampling assignments (supervisors
and admins), the reviewer's queue, the automatic checks, reviews, disputes and calibration."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from afterdesk.accounts.api_auth import request_user, requires
from afterdesk.core.api_schemas import READ_ERRORS, WRITE_ERRORS
from afterdesk.core.errors import NotFound
from afterdesk.qa import access, checks, sampling, selectors, services
from afterdesk.qa.models import Assignment, Calibration, Review, Rubric, SampleItem
from afterdesk.qa.schemas import (
    QaAssignmentIn,
    QaAssignmentOut,
    QaCalibrationIn,
    QaCalibrationOut,
    QaDisputeIn,
    QaFindingOut,
    QaQueueItemOut,
    QaResolveIn,
    QaReviewIn,
    QaReviewOut,
    QaRubricIn,
    QaRubricOut,
    QaSampleIn,
    QaSettingsIO,
)
from afterdesk.tickets.models import Ticket

router = Router(tags=["qa"])
MANAGE = requires(access.manage_require)
REVIEW = requires(access.review_require)


@router.get("/qa/rubrics", response={200: list[QaRubricOut], **READ_ERRORS})
def qa_rubrics_list(request: HttpRequest) -> list[Rubric]:
    return list(selectors.rubrics_list())


@router.post("/qa/rubrics", response={201: QaRubricOut, **WRITE_ERRORS}, auth=MANAGE)
def qa_rubric_create(request: HttpRequest, payload: QaRubricIn) -> Status[Rubric]:
    data = payload.model_dump()
    rubric = services.rubric_save(
        by=request_user(request),
        name=data["name"],
        description=data["description"],
        active=data["active"],
        categories=data["categories"],
    )
    return Status(201, rubric)


@router.put("/qa/rubrics/{rubric_id}", response={200: QaRubricOut, **WRITE_ERRORS}, auth=MANAGE)
def qa_rubric_update(request: HttpRequest, rubric_id: int, payload: QaRubricIn) -> Rubric:
    data = payload.model_dump()
    return services.rubric_save(
        by=request_user(request),
        rubric=services.rubric_get(rubric_id),
        name=data["name"],
        description=data["description"],
        active=data["active"],
        categories=data["categories"],
    )


@router.get("/qa/settings", response={200: QaSettingsIO, **READ_ERRORS})
def qa_settings_get(request: HttpRequest) -> Any:
    return services.settings_get()


@router.put("/qa/settings", response={200: QaSettingsIO, **WRITE_ERRORS}, auth=MANAGE)
def qa_settings_put(request: HttpRequest, payload: QaSettingsIO) -> Any:
    return services.settings_save(
        by=request_user(request),
        self_review=payload.self_review,
        dispute_days=payload.dispute_days,
    )


def _assignment_out(assignment: Assignment) -> dict[str, Any]:
    return {
        "id": assignment.pk,
        "name": assignment.name,
        "rubric_id": assignment.rubric_id,
        "cycle": assignment.cycle,
        "per_agent": assignment.per_agent,
        "reviewers": sorted(u.username for u in assignment.reviewers.all()),
        "filters": assignment.filters,
        "active": assignment.active,
    }


@router.get("/qa/assignments", response={200: list[QaAssignmentOut], **READ_ERRORS}, auth=MANAGE)
def qa_assignments_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = Assignment.objects.prefetch_related("reviewers").order_by("name")
    return [_assignment_out(a) for a in rows]


@router.post("/qa/assignments", response={201: QaAssignmentOut, **WRITE_ERRORS}, auth=MANAGE)
def qa_assignment_create(request: HttpRequest, payload: QaAssignmentIn) -> Status[dict[str, Any]]:
    assignment = services.assignment_save(
        by=request_user(request),
        name=payload.name,
        rubric=services.rubric_get(payload.rubric),
        cycle=payload.cycle,
        per_agent=payload.per_agent,
        reviewers=services.users_by_username(payload.reviewers, "reviewers"),
        filters=payload.filters,
        active=payload.active,
    )
    return Status(201, _assignment_out(assignment))


@router.post(
    "/qa/assignments/{assignment_id}/sample",
    response={200: list[QaQueueItemOut], **WRITE_ERRORS},
    auth=MANAGE,
)
def qa_assignment_sample(
    request: HttpRequest, assignment_id: int, payload: QaSampleIn
) -> list[SampleItem]:
    """Sample one cycle now (the last complete one by default); a sampled cycle stays as it is."""
    assignment = Assignment.objects.filter(pk=assignment_id).first()
    if assignment is None:
        raise NotFound(f"assignment {assignment_id} not found")
    start = payload.cycle_start or sampling.last_complete_cycle(assignment.cycle, timezone.now())
    items = sampling.sample_cycle(assignment, start)
    return list(
        SampleItem.objects.filter(pk__in=[i.pk for i in items]).select_related(
            "ticket", "agent", "assignment"
        )
    )


@router.get("/qa/queue", response={200: list[QaQueueItemOut], **READ_ERRORS}, auth=REVIEW)
def qa_queue(request: HttpRequest) -> list[SampleItem]:
    """The caller's queue: the sampled conversations they have not reviewed yet."""
    return list(sampling.queue_of(request_user(request))[:200])


@router.get(
    "/qa/tickets/{ticket_id}/checks", response={200: list[QaFindingOut], **READ_ERRORS}, auth=REVIEW
)
def qa_ticket_checks(request: HttpRequest, ticket_id: int) -> list[Any]:
    """The automatic checks' findings, which pre-fill the review form (never a score)."""
    ticket = access.ticket_for_review(user=request_user(request), ticket_id=ticket_id)
    return list(checks.checks_run(ticket).values())


def _review_out(review: Review) -> Review:
    review.counted = review.event_id is not None  # type: ignore[attr-defined]
    return review


def _review_loaded(user: Any, review_id: int) -> Review:
    review = access.review_get(user=user, review_id=review_id)
    return (
        Review.objects.prefetch_related("ratings", "pins")
        .select_related("agent", "reviewer")
        .get(pk=review.pk)
    )


@router.post("/qa/reviews", response={201: QaReviewOut, **WRITE_ERRORS}, auth=REVIEW)
def qa_review_create(request: HttpRequest, payload: QaReviewIn) -> Status[Review]:
    user = request_user(request)
    ticket: Ticket = access.ticket_for_review(user=user, ticket_id=payload.ticket)
    calibration: Calibration | None = None
    if payload.calibration is not None:
        calibration = selectors.calibration_get(user=user, calibration_id=payload.calibration)
        if not calibration.tickets.filter(pk=ticket.pk).exists():
            raise NotFound("this ticket is not in the calibration session")
    sample = None
    if payload.sample is not None:
        sample = SampleItem.objects.filter(pk=payload.sample, reviewer=user).first()
        if sample is None:
            raise NotFound(f"queue item {payload.sample} not found")
    data = payload.model_dump()
    review = services.review_submit(
        by=user,
        ticket=ticket,
        agent=services.users_by_username([payload.agent], "agent")[0],
        rubric=calibration.rubric if calibration else services.rubric_get(payload.rubric),
        ratings=data["ratings"],
        comment=payload.comment,
        pins=data["pins"],
        sample=sample,
        calibration=calibration,
    )
    return Status(201, _review_out(_review_loaded(user, review.pk)))


@router.get("/qa/reviews", response={200: list[QaReviewOut], **READ_ERRORS})
def qa_reviews_list(
    request: HttpRequest, of: Literal["received", "given", "disputed"] = "received"
) -> list[Review]:
    """The caller's reviews (`received`: of their conversations; `given`: that they wrote;
    `disputed`: the disputes awaiting a supervisor, for supervisors and admins)."""
    user = request_user(request)
    chosen = {
        "received": selectors.reviews_received,
        "given": selectors.reviews_given,
        "disputed": selectors.disputes_open,
    }[of](user)
    ids = [r.pk for r in chosen]
    rows = Review.objects.filter(pk__in=ids).select_related("agent", "reviewer")
    return [_review_out(r) for r in rows.prefetch_related("ratings", "pins")]


@router.get("/qa/reviews/{review_id}", response={200: QaReviewOut, **READ_ERRORS})
def qa_review_get(request: HttpRequest, review_id: int) -> Review:
    return _review_out(_review_loaded(request_user(request), review_id))


@router.post("/qa/reviews/{review_id}/acknowledge", response={200: QaReviewOut, **WRITE_ERRORS})
def qa_review_acknowledge(request: HttpRequest, review_id: int) -> Review:
    user = request_user(request)
    review = services.review_acknowledge(
        by=user, review=access.review_get(user=user, review_id=review_id)
    )
    return _review_out(_review_loaded(user, review.pk))


@router.post("/qa/reviews/{review_id}/dispute", response={200: QaReviewOut, **WRITE_ERRORS})
def qa_review_dispute(request: HttpRequest, review_id: int, payload: QaDisputeIn) -> Review:
    user = request_user(request)
    review = services.review_dispute(
        by=user, review=access.review_get(user=user, review_id=review_id), reason=payload.reason
    )
    return _review_out(_review_loaded(user, review.pk))


@router.post(
    "/qa/reviews/{review_id}/resolve", response={200: QaReviewOut, **WRITE_ERRORS}, auth=MANAGE
)
def qa_review_resolve(request: HttpRequest, review_id: int, payload: QaResolveIn) -> Review:
    user = request_user(request)
    data = payload.model_dump()
    review = services.review_resolve(
        by=user,
        review=access.review_get(user=user, review_id=review_id),
        decision=payload.decision,
        note=payload.note,
        ratings=data["ratings"],
    )
    return _review_out(_review_loaded(user, review.pk))


def _calibration_out(user: Any, session: Calibration) -> dict[str, Any]:
    results = selectors.calibration_results(user=user, session=session)
    return {
        "id": session.pk,
        "name": session.name,
        "rubric": session.rubric_id,
        "reviewers": [u.username for u in results.reviewers],
        "tickets": [
            {
                "ticket": row.ticket_id,
                "graded_by_me": row.graded_by_me,
                "count": row.count,
                "consensus": row.consensus,
                "spread": row.spread,
                "grades": [
                    {"reviewer": g.reviewer.username, "score": g.score, "deviation": g.deviation}
                    for g in row.grades
                ],
            }
            for row in results.tickets
        ],
        "deviation": results.deviation,
    }


@router.post("/qa/calibrations", response={201: QaCalibrationOut, **WRITE_ERRORS}, auth=MANAGE)
def qa_calibration_create(request: HttpRequest, payload: QaCalibrationIn) -> Status[dict[str, Any]]:
    user = request_user(request)
    tickets = list(Ticket.objects.filter(pk__in=payload.tickets))
    missing = set(payload.tickets) - {t.pk for t in tickets}
    if missing:
        raise NotFound(f"tickets not found: {sorted(missing)}")
    session = services.calibration_create(
        by=user,
        name=payload.name,
        rubric=services.rubric_get(payload.rubric),
        tickets=tickets,
        reviewers=services.users_by_username(payload.reviewers, "reviewers"),
    )
    return Status(201, _calibration_out(user, session))


@router.get("/qa/calibrations/{calibration_id}", response={200: QaCalibrationOut, **READ_ERRORS})
def qa_calibration_get(request: HttpRequest, calibration_id: int) -> dict[str, Any]:
    """The session's grades, consensus, spread and each reviewer's deviation; blind: a reviewer
    sees a conversation's grades only once they graded it."""
    user = request_user(request)
    return _calibration_out(
        user, selectors.calibration_get(user=user, calibration_id=calibration_id)
    )
