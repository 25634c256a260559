"""A buyer's answer on the survey page (docs/surveys.md, "Answers"): each answer that changes
the rating or the comment is a `csat` event on the ticket, written through the ticket
services; the survey keeps the latest. The KPIs count only a ticket's latest rating
(docs/metrics.md, "Per-ticket facts"), so answering again replaces the earlier rating."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.surveys.models import ANSWERABLE_STATES, COMMENT_MAX_CHARS, Survey
from afterdesk.tickets import services as tickets


def answer_check(rating: object, comment: str) -> tuple[int, str]:
    """The rating (an integer 1–5) and the comment (stripped, at most COMMENT_MAX_CHARS)."""
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError("the rating must be a whole number from 1 to 5", field="rating")
    comment = comment.strip()
    if "\x00" in comment:  # PostgreSQL's text and jsonb cannot hold it
        raise ValidationError("the comment must not contain NUL characters", field="comment")
    if len(comment) > COMMENT_MAX_CHARS:
        raise ValidationError(
            f"the comment is {len(comment)} characters; the limit is {COMMENT_MAX_CHARS}",
            field="comment",
        )
    return rating, comment


@transaction.atomic
def survey_answer(
    *, survey_id: int, rating: object, comment: str = "", at: datetime | None = None
) -> Survey:
    """Record an answer. The same answer again (a double click, a reload) writes nothing."""
    checked_rating, checked_comment = answer_check(rating, comment)
    survey = (
        Survey.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=survey_id)
    )
    if survey.state not in ANSWERABLE_STATES:
        raise Conflict("this survey was never sent")
    if survey.rating == checked_rating and survey.comment == checked_comment:
        return survey
    at = at or timezone.now()
    event = tickets.csat_record(
        ticket=survey.ticket, rating=checked_rating, comment=checked_comment, at=at
    )
    survey.rating = checked_rating
    survey.comment = checked_comment
    survey.answered_at = at
    survey.answers += 1
    survey.csat_event = event
    survey.save(update_fields=["rating", "comment", "answered_at", "answers", "csat_event"])
    return survey
