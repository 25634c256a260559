"""Scenario drills: a practice case made from a real ticket with the buyer's details masked,
a trainee's reply, a reviewer's grade (docs/training.md, "Scenario drills")."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.commerce.models import CustomerIdentity, Shipment
from afterdesk.core.errors import Conflict, PermissionDenied, ValidationError
from afterdesk.qa.models import Rubric
from afterdesk.qa.scoring import review_score
from afterdesk.tickets.models import Message, MessageKind, Ticket
from afterdesk.training.masking import Known, mask
from afterdesk.training.models import Drill, DrillResponse

MAX_REPLY = 10_000


def ticket_known(ticket: Ticket) -> Known:
    """What the desk stores about the ticket's buyer: names, emails, handles, orders and
    parcels, all masked wherever they appear."""
    names: list[str] = []
    emails: list[str] = []
    handles: list[str] = []
    if ticket.customer_id is not None:
        assert ticket.customer is not None  # noqa: S101 - customer_id is set
        if ticket.customer.name:
            names.append(ticket.customer.name)
        for kind, value in CustomerIdentity.objects.filter(
            customer_id=ticket.customer_id
        ).values_list("kind", "value"):
            (emails if kind == CustomerIdentity.Kind.EMAIL else handles).append(value)
    orders = list(ticket.orders.values_list("pk", "number"))
    tracking = Shipment.objects.filter(order_id__in=[pk for pk, _n in orders]).values_list(
        "tracking_number", flat=True
    )
    return Known(
        names=tuple(names),
        emails=tuple(emails),
        handles=tuple(handles),
        order_numbers=tuple(number for _pk, number in orders),
        tracking_numbers=tuple(tracking),
    )


@transaction.atomic
def drill_from_ticket(*, ticket: Ticket, title: str, instructions: str = "", by: User) -> Drill:
    """A drill from a ticket's public conversation (the buyer's messages and the replies;
    internal notes stay out), masked. The original text is never stored in the drill."""
    title = (title or "").strip()
    if not 1 <= len(title) <= 200:
        raise ValidationError("title must be 1–200 characters", field="title")
    known = ticket_known(ticket)
    messages = Message.objects.filter(
        ticket=ticket, kind__in=[MessageKind.INBOUND, MessageKind.REPLY]
    ).order_by("created_at", "pk")
    conversation = [
        {"kind": m.kind, "text": mask(m.body_text, known)} for m in messages if m.body_text.strip()
    ]
    if not conversation:
        raise ValidationError("the ticket has no conversation to practise on", field="ticket_id")
    return Drill.objects.create(
        title=title,
        instructions=(instructions or "").strip()[:5000],
        subject=mask(ticket.subject, known)[:300],
        conversation=conversation,
        source_ticket_id=ticket.pk,
        created_by=by,
    )


def drill_respond(
    *, drill: Drill, user: User, reply: str, now: datetime | None = None
) -> DrillResponse:
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError("write a reply", field="reply")
    if len(reply) > MAX_REPLY:
        raise ValidationError(f"reply must be at most {MAX_REPLY} characters", field="reply")
    return DrillResponse.objects.create(
        drill=drill, user=user, reply=reply, submitted_at=now or timezone.now()
    )


@transaction.atomic
def drill_grade(
    *,
    response: DrillResponse,
    by: User,
    score: int | None = None,
    rubric: Rubric | None = None,
    ratings: Mapping[int, int | None] | None = None,
    feedback: str = "",
    now: datetime | None = None,
) -> DrillResponse:
    """A reviewer's grade, once (a graded reply is not regraded), with feedback: a plain
    score 0–100, or a QA rubric's ratings, scored as a QA review is (weighted mean of the
    rated categories, 0 when a critical one is under 50%; `qa.scoring.review_score`)."""
    response = DrillResponse.objects.select_for_update().get(pk=response.pk)
    if response.user_id == by.pk:
        raise PermissionDenied("nobody grades their own drill reply")
    if response.graded_at is not None:
        raise Conflict("this reply is graded already", field="response")
    if rubric is not None:
        if not rubric.active:
            raise ValidationError("this rubric is not active", field="rubric_id")
        result = review_score(list(rubric.categories.all()), dict(ratings or {}))
        score = int(Decimal(str(result.score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        response.rubric, response.ratings = rubric, {str(k): v for k, v in (ratings or {}).items()}
    if score is None or not 0 <= score <= 100:
        raise ValidationError("score must be 0–100", field="score")
    if len(feedback) > 5000:
        raise ValidationError("feedback must be at most 5000 characters", field="feedback")
    response.score, response.feedback = score, feedback.strip()
    response.graded_by, response.graded_at = by, now or timezone.now()
    response.save(
        update_fields=["score", "feedback", "graded_by", "graded_at", "rubric", "ratings"]
    )
    return response
