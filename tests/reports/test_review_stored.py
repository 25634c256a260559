"""The weekly review from stored figures (metrics.stored) is the review a fresh computation
gives, and a change dated in a week shows on the page at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.metrics.models import StoredKpis
from afterdesk.reports.chart_cache import review_digest
from afterdesk.reports.review import WeeklyReview
from afterdesk.reports.services import weekly_review
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import UserFactory

from .builders import PREVIOUS_START, WEEK_END, WEEK_START, review_template, solved, tier_history
from .builders import tier_templates as tier_templates_make
from .test_views import chart_urls, signed_in

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def fresh_review(**kwargs: object) -> WeeklyReview:
    """The review computed from nothing stored."""
    StoredKpis.objects.all().delete()
    return weekly_review(start=WEEK_START, end=WEEK_END, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def history() -> dict[str, User]:
    tier_templates_make()
    people = tier_history(WEEK_START + DAY)
    for name, minutes in (("a1", 600), ("b2", 20)):
        solved(people[name], created=PREVIOUS_START + DAY, reply_minutes=minutes, rating=4)
    solved(people["a2"], created=WEEK_START - 20 * DAY, reply_minutes=50, priority="high")
    solved(people["b2"], created=WEEK_START + 2 * DAY, reply_minutes=1500)  # a breach
    return people


@pytest.mark.usefixtures("history")
@pytest.mark.parametrize("what_if", [False, True])
def test_the_stored_review_is_the_fresh_one(what_if: bool) -> None:
    kwargs = {"template": review_template()} if what_if else {}
    cold = fresh_review(**kwargs)
    assert StoredKpis.objects.count() > 0
    warm = weekly_review(start=WEEK_START, end=WEEK_END, **kwargs)  # type: ignore[arg-type]
    assert warm == cold
    assert repr(warm) == repr(cold)  # every figure, exactly (what the charts' digest hashes)
    # There were figures to compare.
    assert warm.groups
    assert warm.team_trends
    assert warm.breaches


def test_a_change_in_the_week_shows_on_the_page(history: dict[str, User], supervisor: User) -> None:
    client = signed_in(supervisor)
    query = {"week": WEEK_START.date().isoformat()}
    first = client.get("/reports/weekly/", query).content.decode()
    before = weekly_review(start=WEEK_START, end=WEEK_END)
    # b1's second ticket of the week, answered late: a breach and lower figures.
    late = solved(history["b1"], created=WEEK_START + 2 * DAY, reply_minutes=700, rating=1)
    after = weekly_review(start=WEEK_START, end=WEEK_END)
    assert after != before
    assert repr(after) == repr(fresh_review())
    assert late.pk in [breach.ticket_id for breach in after.breaches]
    page = client.get("/reports/weekly/", query).content.decode()
    assert f"#{late.pk}<" in page  # among the breaches
    assert f"#{late.pk}<" not in first
    assert review_digest(after) != review_digest(before)
    assert chart_urls(page) != chart_urls(first)  # new figures, new charts


def test_a_late_rating_changes_the_week_it_is_dated_in(history: dict[str, User]) -> None:
    """A rating given this week of a ticket solved weeks ago: this week's CSAT (where the
    rating is dated), equal to a fresh computation."""
    weekly_review(start=WEEK_START, end=WEEK_END)  # stored
    old = Ticket.objects.get(subject__endswith="for a2", priority="high")
    services.csat_record(ticket=old, rating=1, at=WEEK_START + 3 * DAY)
    review = weekly_review(start=WEEK_START, end=WEEK_END)
    assert repr(review) == repr(fresh_review())
    row = next(r for g in review.groups for r in g.rows if r.row.agent == "a2")
    assert row.row.kpis["csat_rate"].n == 2


def test_a_new_agent_with_a_template_is_in_the_next_review(history: dict[str, User]) -> None:
    """Assignments are part of the stored figures' key: a new agent of a position changes
    which templates score whom, never giving the old figures."""
    weekly_review(start=WEEK_START, end=WEEK_END)
    newcomer = UserFactory(username="a3", position="pos_a")
    solved(newcomer, created=WEEK_START + 4 * DAY, reply_minutes=15, rating=5)
    review = weekly_review(start=WEEK_START, end=WEEK_END)
    assert "a3" in [r.row.agent for g in review.groups for r in g.rows]
    assert repr(review) == repr(fresh_review())
