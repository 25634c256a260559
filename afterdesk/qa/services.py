"""The writes of quality reviews (docs/qa.md): rubrics, settings, assignments, reviews and
their disputes. A regular review writes one `qa_review` event through the ticket services when
it becomes final (acknowledged, dispute resolved, or no dispute within the settings' days), so
the agent's `qa_score` counts each review once, with its final score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from afterdesk.accounts.models import User
from afterdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from afterdesk.qa import access
from afterdesk.qa.models import (
    Assignment,
    Calibration,
    Category,
    Cycle,
    PinnedComment,
    QaSettings,
    Rating,
    Review,
    ReviewState,
    Rubric,
    SampleItem,
)
from afterdesk.qa.scoring import categories_validate, review_score
from afterdesk.tickets import services as ticket_services
from afterdesk.tickets.models import Message, MessageKind, Ticket

FILTER_KEYS = ("team", "channel", "category", "csat_max", "risk_min", "min_messages", "reopened")
COMMENT_MAX = 5000


def settings_get() -> QaSettings:
    found, _created = QaSettings.objects.get_or_create(pk=1)
    return found


def settings_save(*, by: User, self_review: bool, dispute_days: int) -> QaSettings:
    access.manage_require(by)
    if isinstance(dispute_days, bool) or not 0 <= dispute_days <= 90:
        raise ValidationError(_("dispute_days must be 0 to 90"), field="dispute_days")
    found = settings_get()
    found.self_review = self_review
    found.dispute_days = dispute_days
    found.save()
    return found


@transaction.atomic
def rubric_save(
    *,
    by: User,
    name: str,
    categories: Sequence[Mapping[str, Any]],
    description: str = "",
    active: bool = True,
    rubric: Rubric | None = None,
) -> Rubric:
    """Create a rubric, or change one no review used yet (a used rubric's categories stay as
    they were graded: make a new rubric instead)."""
    access.manage_require(by)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("a name of 1 to 100 characters"), field="name")
    specs = categories_validate(categories)
    if Rubric.objects.filter(name__iexact=name).exclude(pk=rubric.pk if rubric else 0).exists():
        raise Conflict(_("a rubric named %(name)s exists") % {"name": repr(name)}, field="name")
    if rubric is None:
        rubric = Rubric(created_by=by)
    elif rubric.reviews.exists():
        raise Conflict(_("this rubric has reviews: its categories cannot change; make a new one"))
    rubric.name, rubric.description, rubric.active = name, description[:2000], active
    rubric.save()
    rubric.categories.all().delete()
    Category.objects.bulk_create(
        Category(
            rubric=rubric,
            position=index,
            name=spec.name,
            description=spec.description,
            weight=spec.weight,
            scale=spec.scale,
            critical=spec.critical,
            allow_na=spec.allow_na,
            auto_check=spec.check,
        )
        for index, spec in enumerate(specs)
    )
    return rubric


def _filters_clean(raw: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(raw) - set(FILTER_KEYS)
    if unknown:
        raise ValidationError(f"unknown filters: {', '.join(sorted(unknown))}", field="filters")
    out: dict[str, Any] = {}
    for key in ("team", "csat_max", "risk_min", "min_messages"):
        value = raw.get(key)
        if value in (None, ""):
            continue
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationError(f"{key} must be a whole number", field="filters") from None
        limits = {"csat_max": (1, 5), "risk_min": (0, 100)}.get(key, (1, 10**9))
        if not limits[0] <= number <= limits[1]:
            raise ValidationError(f"{key} must be {limits[0]} to {limits[1]}", field="filters")
        out[key] = number
    for key in ("channel", "category"):
        if raw.get(key):
            out[key] = str(raw[key])[:50]
    if raw.get("reopened"):
        out["reopened"] = True
    return out


@transaction.atomic
def assignment_save(
    *,
    by: User,
    name: str,
    rubric: Rubric,
    cycle: str,
    per_agent: int,
    reviewers: Sequence[User],
    filters: Mapping[str, Any],
    active: bool = True,
    assignment: Assignment | None = None,
) -> Assignment:
    access.manage_require(by)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("a name of 1 to 100 characters"), field="name")
    if cycle not in Cycle.values:
        raise ValidationError(f"unknown cycle {cycle!r}", field="cycle")
    if isinstance(per_agent, bool) or not 1 <= per_agent <= 100:
        raise ValidationError(_("per_agent must be 1 to 100"), field="per_agent")
    if not reviewers:
        raise ValidationError(_("name at least one reviewer"), field="reviewers")
    for reviewer in reviewers:
        if not access.can_review(reviewer):
            raise ValidationError(
                _("%(name)s may not review") % {"name": reviewer.username}, field="reviewers"
            )
    clean = _filters_clean(filters)
    if (
        Assignment.objects.filter(name__iexact=name)
        .exclude(pk=assignment.pk if assignment else 0)
        .exists()
    ):
        raise Conflict(
            _("an assignment named %(name)s exists") % {"name": repr(name)}, field="name"
        )
    assignment = assignment or Assignment()
    assignment.name, assignment.rubric, assignment.cycle = name, rubric, cycle
    assignment.per_agent, assignment.filters, assignment.active = per_agent, clean, active
    assignment.save()
    assignment.reviewers.set(reviewers)
    return assignment


def _agent_replied(ticket: Ticket, agent: User) -> bool:
    return Message.objects.filter(ticket=ticket, kind=MessageKind.REPLY, author=agent).exists()


def _ratings_write(
    review: Review, categories: Sequence[Category], ratings: Sequence[Mapping[str, Any]]
) -> None:
    by_category = {int(r["category"]): r for r in ratings}
    review.ratings.all().delete()
    Rating.objects.bulk_create(
        Rating(
            review=review,
            category=category,
            value=by_category[category.pk].get("value"),
            comment=str(by_category[category.pk].get("comment") or "")[:COMMENT_MAX],
        )
        for category in categories
    )


def _score(
    categories: Sequence[Category], ratings: Sequence[Mapping[str, Any]]
) -> tuple[float, bool]:
    values: dict[int, int | None] = {}
    for rating in ratings:
        try:
            category_id = int(rating["category"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError(_("each rating names its category id"), field="ratings") from None
        if category_id in values:
            raise ValidationError(
                _("category %(id)s rated twice") % {"id": category_id}, field="ratings"
            )
        values[category_id] = rating.get("value")
    result = review_score(categories, values)
    return result.score, result.critical_failed


@transaction.atomic
def review_submit(
    *,
    by: User,
    ticket: Ticket,
    agent: User,
    rubric: Rubric,
    ratings: Sequence[Mapping[str, Any]],
    comment: str = "",
    pins: Sequence[Mapping[str, Any]] = (),
    sample: SampleItem | None = None,
    calibration: Calibration | None = None,
    now: datetime | None = None,
) -> Review:
    """Grade `ticket` for `agent`. The caller has authorised the ticket (`access`)."""
    access.review_require(by)
    now = now or timezone.now()
    qa = settings_get()
    if agent.pk == by.pk and not qa.self_review:
        raise PermissionDenied(_("you cannot review your own conversation (self-review is off)"))
    if not _agent_replied(ticket, agent):
        raise ValidationError(
            _("%(name)s wrote no reply in this conversation") % {"name": agent.username},
            field="agent",
        )
    if not rubric.active and calibration is None:
        raise ValidationError(_("this rubric is retired"), field="rubric")
    categories = list(rubric.categories.all())
    score, critical_failed = _score(categories, ratings)
    messages = {
        m.pk: m
        for m in Message.objects.filter(ticket=ticket, pk__in=[p.get("message") for p in pins])
    }
    for pin in pins:
        if pin.get("message") not in messages:
            raise ValidationError(
                "a pinned comment names a message of another ticket", field="pins"
            )
    if sample is not None:
        sample = SampleItem.objects.select_for_update().get(pk=sample.pk)
        if sample.ticket_id != ticket.pk or sample.reviewer_id != by.pk:
            raise ValidationError(_("this queue item is not yours for this ticket"), field="sample")
        if sample.done:
            raise Conflict(_("this queue item is reviewed already"))
    state = ReviewState.CALIBRATION if calibration else ReviewState.SUBMITTED
    review = Review(
        ticket=ticket,
        agent=agent,
        reviewer=by,
        rubric=rubric,
        sample=sample,
        calibration=calibration,
        score=score,
        critical_failed=critical_failed,
        comment=comment[:COMMENT_MAX],
        state=state,
        created_at=now,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise Conflict(_("you graded this conversation in this session already")) from None
    _ratings_write(review, categories, ratings)
    PinnedComment.objects.bulk_create(
        PinnedComment(
            review=review, message=messages[p["message"]], body=str(p["body"])[:COMMENT_MAX]
        )
        for p in pins
        if str(p.get("body") or "").strip()
    )
    if sample is not None:
        sample.done = True
        sample.save(update_fields=["done"])
    if calibration is None and qa.dispute_days == 0:
        _finalize(review, ReviewState.FINAL)
    return review


def _finalize(review: Review, state: str) -> None:
    """Write the review's one `qa_review` event (dated when it was graded) and its final state."""
    if review.event_id is None:
        review.event = ticket_services.qa_review_record(
            ticket=review.ticket,
            agent=review.agent,
            score=review.score,
            reviewer=review.reviewer,
            rubric=review.rubric.name,
            at=review.created_at,
        )
    review.state = state
    review.save(
        update_fields=[
            "event",
            "state",
            "score",
            "original_score",
            "resolved_by",
            "resolved_at",
            "resolution_note",
        ]
    )


def _locked(review: Review) -> Review:
    return (
        Review.objects.select_related("ticket", "agent", "reviewer", "rubric")
        .select_for_update(of=("self",))
        .get(pk=review.pk)
    )


@transaction.atomic
def review_acknowledge(*, by: User, review: Review) -> Review:
    review = _locked(review)
    if review.agent_id != by.pk:
        raise PermissionDenied(_("only the agent reviewed acknowledges a review"))
    if review.state != ReviewState.SUBMITTED:
        raise Conflict(
            _("this review is %(state)s; it cannot be acknowledged now") % {"state": review.state}
        )
    _finalize(review, ReviewState.ACKNOWLEDGED)
    return review


@transaction.atomic
def review_dispute(*, by: User, review: Review, reason: str, now: datetime | None = None) -> Review:
    review = _locked(review)
    if review.agent_id != by.pk:
        raise PermissionDenied(_("only the agent reviewed disputes a review"))
    if review.state != ReviewState.SUBMITTED:
        raise Conflict(
            _("this review is %(state)s; it cannot be disputed now") % {"state": review.state}
        )
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("say why you dispute the review"), field="reason")
    now = now or timezone.now()
    if now > review.created_at + timedelta(days=settings_get().dispute_days):
        raise Conflict(_("the time to dispute this review has passed"))
    review.state = ReviewState.DISPUTED
    review.dispute_reason = reason[:COMMENT_MAX]
    review.disputed_at = now
    review.save(update_fields=["state", "dispute_reason", "disputed_at"])
    return review


@transaction.atomic
def review_resolve(
    *,
    by: User,
    review: Review,
    decision: str,
    note: str = "",
    ratings: Sequence[Mapping[str, Any]] | None = None,
) -> Review:
    """A supervisor upholds the disputed review, or amends it with new ratings (a new score)."""
    access.manage_require(by)
    review = _locked(review)
    if review.state != ReviewState.DISPUTED:
        raise Conflict(_("only a disputed review is resolved"))
    if decision not in ("uphold", "amend"):
        raise ValidationError(_("decision is uphold or amend"), field="decision")
    review.resolved_by, review.resolved_at = by, timezone.now()
    review.resolution_note = note.strip()[:COMMENT_MAX]
    if decision == "amend":
        if not ratings:
            raise ValidationError(_("an amendment gives the new ratings"), field="ratings")
        categories = list(review.rubric.categories.all())
        score, critical_failed = _score(categories, ratings)
        review.original_score, review.score = review.score, score
        review.critical_failed = critical_failed
        review.save(update_fields=["critical_failed"])
        _ratings_write(review, categories, ratings)
        _finalize(review, ReviewState.AMENDED)
    else:
        _finalize(review, ReviewState.UPHELD)
    return review


def reviews_finalize_due(*, now: datetime | None = None) -> int:
    """Reviews nobody acknowledged or disputed within the settings' days become final and
    count. Each in its own transaction, under its lock: safe to run twice or at once."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings_get().dispute_days)
    done = 0
    for review_id in Review.objects.filter(
        state=ReviewState.SUBMITTED, created_at__lte=cutoff
    ).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            review = (
                Review.objects.select_for_update()
                .filter(pk=review_id, state=ReviewState.SUBMITTED)
                .select_related("ticket", "agent", "reviewer", "rubric")
                .first()
            )
            if review is not None:
                _finalize(review, ReviewState.FINAL)
                done += 1
    return done


@transaction.atomic
def calibration_create(
    *, by: User, name: str, rubric: Rubric, tickets: Sequence[Ticket], reviewers: Sequence[User]
) -> Calibration:
    access.manage_require(by)
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(_("a name of 1 to 100 characters"), field="name")
    if not tickets:
        raise ValidationError(_("name at least one ticket"), field="tickets")
    if len(reviewers) < 2:
        raise ValidationError(_("a calibration needs at least two reviewers"), field="reviewers")
    for reviewer in reviewers:
        if not access.can_review(reviewer):
            raise ValidationError(
                _("%(name)s may not review") % {"name": reviewer.username}, field="reviewers"
            )
    session = Calibration.objects.create(name=name, rubric=rubric, created_by=by)
    session.tickets.set(tickets)
    session.reviewers.set(reviewers)
    return session


def users_by_username(usernames: Sequence[str], field: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    missing = [name for name in usernames if name not in found]
    if missing:
        raise ValidationError(f"unknown users: {', '.join(missing)}", field=field)
    return [found[name] for name in dict.fromkeys(usernames)]


def rubric_get(rubric_id: int) -> Rubric:
    rubric = Rubric.objects.filter(pk=rubric_id).first()
    if rubric is None:
        raise NotFound(f"rubric {rubric_id} not found")
    return rubric
