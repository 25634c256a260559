"""The weekly review's data, section by section, on small histories with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from afterdesk.accounts.models import Team
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.reports import present
from afterdesk.metrics.reports.review import NO_ORDER, NO_TEAM, NONE_LABEL, trend_weeks
from afterdesk.metrics.reports.services import weekly_review
from afterdesk.metrics.scorecards import scorecard_compute
from tests.factories import TeamFactory, UserFactory

from .builders import PREVIOUS_START, WEEK_END, WEEK_START, review_template, solved

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_worst_breaches_are_ordered_by_minutes_over_target() -> None:
    anna = UserFactory(username="anna")
    t = WEEK_START + DAY
    urgent = solved(anna, created=t, reply_minutes=90, priority="urgent")  # 30 over 60
    high = solved(anna, created=t, reply_minutes=300, priority="high")  # 180 over 120
    solved(anna, created=t, reply_minutes=480)  # exactly the normal target: met
    normal = solved(anna, created=t, reply_minutes=481)  # 1 over 480
    solved(anna, created=t, reply_minutes=100, priority="low")  # within 1440
    solved(anna, created=t, reply_minutes=900, customer=False)  # agent-initiated: no SLA
    solved(anna, created=PREVIOUS_START, reply_minutes=900)  # replied in the previous week
    review = weekly_review(start=WEEK_START, end=WEEK_END, template=review_template())
    assert [b.ticket_id for b in review.breaches] == [high.pk, urgent.pk, normal.pk]
    assert [b.over_minutes for b in review.breaches] == [180, 30, 1]
    assert review.breaches[0].target_minutes == 120
    assert review.breaches[0].agent == "anna"
    assert (review.breach_count, review.first_replies_with_target) == (3, 5)
    assert present.breaches_table(review).rows[0][-1] == "3 h 00 min"


def test_improvers_are_agents_whose_total_rose_most() -> None:
    anna, bo, cy = (UserFactory(username=n) for n in ("anna", "bo", "cy"))
    before, now = PREVIOUS_START + DAY, WEEK_START + DAY
    solved(anna, created=before, reply_minutes=240, rating=3)  # slow, unhappy
    solved(anna, created=now, reply_minutes=30, rating=5)  # fast, happy
    solved(bo, created=before, reply_minutes=30, rating=5)
    solved(bo, created=now, reply_minutes=240, rating=3)  # got worse
    solved(cy, created=now, reply_minutes=60, rating=5)  # new this week: no comparison
    review = weekly_review(start=WEEK_START, end=WEEK_END, template=review_template())
    assert [i.agent for i in review.improvers] == ["anna"]
    board = {r.row.agent: r for r in review.leaderboard}
    assert review.improvers[0].change == board["anna"].trend
    assert board["anna"].trend is not None
    assert board["anna"].trend > 0
    assert board["bo"].trend is not None
    assert board["bo"].trend < 0
    assert board["cy"].previous_total is None
    assert next(r.row.agent for r in review.leaderboard) in {"anna", "cy"}


def test_problem_distributions_by_sku_and_market() -> None:
    anna = UserFactory(username="anna")
    t = WEEK_START + DAY
    solved(anna, created=t, reply_minutes=5, category="size_issue", skus=["SKU-1", "SKU-2"])
    solved(anna, created=t, reply_minutes=5, category="size_issue", skus=["SKU-1", "SKU-1"])
    solved(anna, created=t, reply_minutes=5, category="not_received", market="DE")
    solved(anna, created=t, reply_minutes=5, category="", market="")
    solved(anna, created=PREVIOUS_START, reply_minutes=5, category="dispute", skus=["SKU-9"])
    review = weekly_review(start=WEEK_START, end=WEEK_END, template=review_template())
    sku = review.by_sku
    assert sku.counts == {
        ("SKU-1", "size_issue"): 2,  # once per ticket, though one order has SKU-1 twice
        ("SKU-2", "size_issue"): 1,
        (NO_ORDER, "not_received"): 1,
        (NO_ORDER, NONE_LABEL): 1,
    }
    assert sku.rows == [NO_ORDER, "SKU-1", "SKU-2"]  # by total, then by name
    assert sku.columns[0] == "size_issue"
    market = review.by_market
    assert market.counts == {
        ("US", "size_issue"): 2,
        ("DE", "not_received"): 1,
        (NONE_LABEL, NONE_LABEL): 1,
    }
    assert market.total == review.tickets_created == 4
    folded = sku.folded(1)
    assert folded.rows == [NO_ORDER, "other (2)"]
    assert folded.count("other (2)", "size_issue") == 3
    table = present.distribution_table(market, "Market")
    assert table.rows[-1] == ["Total", "2", "1", "1", "4"]


def test_team_trends_pool_members_over_eight_weeks(team: Team) -> None:
    apac = TeamFactory(name="APAC")
    anna = UserFactory(username="anna", teams=[team])
    eve = UserFactory(username="eve", teams=[team, apac])  # counts for both teams
    loner = UserFactory(username="loner")
    now = WEEK_START + DAY
    solved(anna, created=now, reply_minutes=30, rating=5)
    solved(anna, created=now, reply_minutes=30, rating=4)
    solved(eve, created=now, reply_minutes=120, rating=2)
    solved(loner, created=now, reply_minutes=10)
    solved(anna, created=WEEK_START - 3 * 7 * DAY, reply_minutes=50)
    template = review_template()
    review = weekly_review(start=WEEK_START, end=WEEK_END, template=template)
    assert review.weeks == trend_weeks(WEEK_END)
    assert len(review.weeks) == 8
    assert review.weeks[-1] == (WEEK_START, WEEK_END)
    trends = {t.team: t for t in review.team_trends}
    assert list(trends) == ["APAC", "EU", NO_TEAM]
    eu = trends["EU"].weeks
    kpis = eu[-1].kpis
    # Pooled over the team's tickets: (30 + 30 + 120) / 3, not the mean of agent means.
    assert kpis["first_reply_time_business"].value == 60
    assert kpis["handled_volume"].n == 3
    assert kpis["csat_rate"].value == Fraction(2, 3)
    assert kpis["sla_first_reply_rate"].value == 1
    totals = {
        r.agent: r.total
        for r in scorecard_compute(start=WEEK_START, end=WEEK_END, template=template)
    }
    assert eu[-1].total == (totals["anna"] + totals["eve"]) / 2
    assert eu[-1].scored_agents == 2
    assert trends["APAC"].weeks[-1].total == totals["eve"]
    assert eu[-4].kpis["handled_volume"].n == 1  # three weeks back
    assert eu[0].total is None
    assert eu[0].kpis["handled_volume"].n == 0
    assert trends[NO_TEAM].weeks[-1].kpis["handled_volume"].n == 1
    assert present.team_table(review).rows[1][:3] == ["EU", "2", present.score(eu[-1].total)]


def test_empty_period_gives_an_empty_review() -> None:
    review = weekly_review(start=WEEK_START, end=WEEK_END, template=review_template())
    assert review.leaderboard == []
    assert review.breaches == []
    assert review.improvers == []
    assert review.team_trends == []
    assert review.by_sku.rows == []
    assert review.tickets_created == 0


def test_bad_period_is_refused() -> None:
    with pytest.raises(ValidationError, match="before"):
        weekly_review(start=WEEK_END, end=WEEK_START, template=review_template())
    with pytest.raises(ValidationError, match="offset"):
        weekly_review(
            start=datetime(2026, 10, 5),  # noqa: DTZ001 - the error under test
            end=datetime(2026, 10, 12, tzinfo=UTC),
            template=review_template(),
        )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "–"),
        (Fraction(1, 200), "+0.01"),
        (Fraction(-1, 200), "−0.01"),
        (Fraction(0), "±0.00"),
    ],
)
def test_change_is_rounded_half_away_from_zero(value: Fraction | None, text: str) -> None:
    assert present.change(value) == text


def test_minutes_format() -> None:
    assert present.minutes(Fraction(45, 2)) == "22.5 min"
    assert present.minutes(Fraction(181)) == "3 h 01 min"
    assert present.percent(Fraction(2, 3)) == "66.7 %"
