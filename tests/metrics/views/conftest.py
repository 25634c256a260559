"""Shared data for the performance page tests: solved, rated tickets in the week of T0
(Thursday 2026-10-01; the desk time zone of the tests is UTC, so the week is 09-28 → 10-05)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0

# Each agent under their own template (the default); WHAT_IF: everyone under first_line.
WEEK = {"period": "week", "date": "2026-10-01"}
WHAT_IF = {**WEEK, "template": "first_line"}
HTMX = {"HTTP_HX_REQUEST": "true"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"\sstyle=", re.IGNORECASE)


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def solved_ticket(
    agent: User,
    minutes: int,
    rating: int | None = None,
    *,
    at: object = None,
    subject: str = "Late parcel",
    language: str = "de",
) -> Ticket:
    """A customer ticket assigned to `agent`, answered and solved after `minutes`."""
    start = at or T0
    ticket = services.ticket_create(
        subject=subject, channel="email", body="Where?", at=start, language=language
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=start)  # type: ignore[arg-type]
    reply_at = start + timedelta(minutes=minutes)  # type: ignore[operator]
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=reply_at)
    if rating is not None:
        services.csat_record(ticket=ticket, rating=rating, at=reply_at + timedelta(hours=1))
    return ticket


def first_line(*users: User) -> None:
    """Make the users first-line agents (the position the `first_line` preset scores)."""
    User.objects.filter(pk__in=[user.pk for user in users]).update(position="first_line")
    for user in users:
        user.position = "first_line"


@pytest.fixture
def scored(agent: User, other_agent: User) -> dict[str, list[Ticket]]:
    """anna: 5 fast tickets rated 5 (and 5 slower ones the week before, so her trend is up);
    bo: 5 slow tickets rated 4 (and one ticket the week before: unscored then, so "new").
    Both are first-line agents, scored under the `first_line` preset (assigned to that
    position by the migrations)."""
    first_line(agent, other_agent)
    anna = [solved_ticket(agent, 30, 5, subject=f"Anna {i}") for i in range(5)]
    for i in range(5):
        solved_ticket(agent, 120, 4, at=T0 - timedelta(days=7), subject=f"Anna earlier {i}")
    bo = [solved_ticket(other_agent, 200, 4, subject=f"Bo {i}", language="ja") for i in range(5)]
    solved_ticket(other_agent, 60, 5, at=T0 - timedelta(days=7), subject="Bo earlier")
    return {"anna": anna, "bo": bo}
