"""Reads of surveys: the one a link names (for the public page, no login: the link is the
authorisation) and a ticket's surveys (for its page, whose view authorised the ticket)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count

from afterdesk.accounts.models import User
from afterdesk.surveys.links import LinkInvalid, link_read
from afterdesk.surveys.models import ANSWERABLE_STATES, Survey, SurveySettings
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket
from afterdesk.tickets.selectors import ticket_get_for_user


def survey_for_link(token: str) -> Survey:
    """The survey the link names; LinkExpired (older than the settings' expiry) or LinkInvalid
    (forged, altered, or naming no survey that was sent)."""
    expiry = timedelta(days=SurveySettings.load().expiry_days)
    target = link_read(token, max_age=expiry)
    survey = (
        Survey.objects.select_related("ticket")
        .filter(pk=target.survey_id, key=target.key, state__in=ANSWERABLE_STATES)
        .first()
    )
    if survey is None:
        raise LinkInvalid("no such survey")
    return survey


def surveys_of_ticket(ticket: Ticket) -> list[Survey]:
    """The ticket's surveys, newest solve first; no query for a ticket never solved (its
    events, prefetched by the ticket page, say so)."""
    events = ticket.events.all()
    if not any(e.kind == "status" and e.subtype in SOLVED_STATUSES for e in events):
        return []
    return list(Survey.objects.filter(ticket_id=ticket.pk).order_by("-solved_at", "-id"))


def survey_counts() -> dict[str, int]:
    """How many surveys are in each state, and how many were answered (settings page)."""
    counts = dict(
        Survey.objects.values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("state", "n")
    )
    counts["answered"] = Survey.objects.filter(rating__isnull=False).count()
    return counts


def surveys_of_ticket_for_user(*, user: User, ticket_id: int) -> list[Survey]:
    """The ticket's surveys, newest solve first, for a user who may see the ticket (the one
    rule of `tickets.selectors.ticket_get_for_user`: 404 otherwise)."""
    ticket = ticket_get_for_user(user=user, ticket_id=ticket_id)
    return list(Survey.objects.filter(ticket_id=ticket.pk).order_by("-solved_at", "-id"))
