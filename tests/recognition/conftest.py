"""Data of the recognition tests: October 2026 (the month awarded) and September (the month
before), in the tests' desk time zone (UTC).

- anna (team EU): September 12 slow tickets rated 3, October 12 fast ones rated 5 → her
  scorecard total rises (most improved) and her CSAT is 100 % over 12 ratings (champion);
  3 of her October tickets are high priority.
- bo (team APAC): both months 12 tickets answered in 10 minutes, 10 rated 5 and 2 rated 2
  (CSAT 83.3 %: above the 80 % gate), so he is the fastest first reply; 4 urgent tickets
  solved in October → toughest cases.
- cy (team EU): 2 tickets in October answered in 1 minute, rated 5: the best figures on a tiny
  sample, which wins nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from afterdesk.accounts.models import Role, Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import UserFactory

OCTOBER = date(2026, 10, 1)
SEPTEMBER = date(2026, 9, 1)
OCT_DAY = datetime(2026, 10, 6, 8, 0, tzinfo=UTC)
SEP_DAY = datetime(2026, 9, 8, 8, 0, tzinfo=UTC)
AFTER_OCTOBER = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def solved(
    agent: User,
    at: datetime,
    minutes: int,
    rating: int | None = None,
    *,
    priority: str = "normal",
    category: str = "",
) -> Ticket:
    """A buyer's ticket assigned to `agent`, answered and solved after `minutes`, then rated."""
    ticket = services.ticket_create(
        subject="Where is my parcel?",
        channel="email",
        body="Where?",
        at=at,
        priority=priority,
        category=category,
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=at)
    reply_at = at + timedelta(minutes=minutes)
    services.message_reply(ticket=ticket, by=agent, body="Sorry", status="solved", at=reply_at)
    if rating is not None:
        services.csat_record(ticket=ticket, rating=rating, at=reply_at + timedelta(hours=1))
    return ticket


@pytest.fixture
def people(team: Team, other_team: Team) -> dict[str, User]:
    anna = UserFactory(
        username="anna",
        role=Role.AGENT,
        teams=[team],
        position="first_line",
        email="anna@desk.example",
    )
    bo = UserFactory(
        username="bo",
        role=Role.AGENT,
        teams=[other_team],
        position="first_line",
        email="bo@desk.example",
    )
    cy = UserFactory(
        username="cy", role=Role.AGENT, teams=[team], position="first_line", email="cy@desk.example"
    )
    return {"anna": anna, "bo": bo, "cy": cy}


@pytest.fixture
def month_of_work(people: dict[str, User]) -> dict[str, User]:
    anna, bo, cy = people["anna"], people["bo"], people["cy"]
    for i in range(12):
        hour = timedelta(hours=i)
        solved(anna, SEP_DAY + hour, 240, 3)
        solved(anna, OCT_DAY + hour, 20, 5, priority="high" if i < 3 else "normal")
        for day, month_day in ((SEP_DAY, False), (OCT_DAY, True)):
            urgent = month_day and i < 4
            solved(
                bo, day + hour, 10, 5 if i < 10 else 2, priority="urgent" if urgent else "normal"
            )
    for i in range(2):
        solved(cy, OCT_DAY + timedelta(hours=i), 1, 5, priority="urgent")
    return people
