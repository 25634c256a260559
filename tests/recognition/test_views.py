"""The awards page, the dashboard announcement and the badges: who sees them, what they say,
bad input, query counts."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.metrics.models import MetricsSettings
from afterdesk.recognition.models import Award, AwardKind
from afterdesk.recognition.services import awards_store
from tests.factories import UserFactory
from tests.recognition.conftest import AFTER_OCTOBER, OCTOBER

pytestmark = pytest.mark.django_db

PAGE = "/recognition/"
ANNOUNCEMENT = "/recognition/announcement/"


def _award(agent: User, kind: str = AwardKind.CSAT_CHAMPION, month: date = OCTOBER) -> Award:
    figures = {
        "csat_rate": "0.9500",
        "positive": 19,
        "ratings": 20,
        "csat_avg": "4.70",
        "rules": {"min_ratings": 10},
        "runner_up": {
            "agent": "bo",
            "csat_rate": "0.9000",
            "positive": 18,
            "ratings": 20,
            "csat_avg": "4.50",
        },
    }
    return Award.objects.create(month=month, kind=kind, agent=agent, figures=figures, candidates=3)


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    for url in (PAGE, ANNOUNCEMENT, "/recognition/badges/anna/"):
        assert client.get(url).status_code == 302


def test_the_awards_page_explains_each_award(client: Client, agent: User) -> None:
    _award(agent)
    client.force_login(agent)
    html = client.get(PAGE, {"month": "2026-10"}).content.decode()
    assert html.count("<h1") == 1
    assert "Awards of October 2026" in html
    assert "CSAT champion" in html
    assert "CSAT 95.0%: 19 of 20 ratings were 4 or 5 stars (average 4.70)" in html
    assert "Runner-up: bo, CSAT 90.0%: 18 of 20 ratings" in html
    assert "Agents with at least 10 ratings; a tie goes to more ratings" in html
    assert "3 agents qualified." in html
    # Agents see the award, not a link into another agent's scorecard.
    assert "/performance/agents/" not in html


def test_managers_get_a_link_to_the_winner_s_scorecard(
    client: Client, agent: User, supervisor: User
) -> None:
    _award(agent)
    client.force_login(supervisor)
    html = client.get(PAGE, {"month": "2026-10"}).content.decode()
    assert 'href="/performance/agents/anna/?period=month&amp;date=2026-10-01"' in html


def test_the_default_month_is_the_last_complete_one(client: Client, agent: User) -> None:
    client.force_login(agent)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert "No awards for this month" in response.content.decode()


@pytest.mark.parametrize("month", ["2026-13", "nope", "0001-01"])
def test_a_bad_month_is_a_form_error(client: Client, agent: User, month: str) -> None:
    client.force_login(agent)
    response = client.get(PAGE, {"month": month})
    assert response.status_code == 422
    assert "Enter a month as YYYY-MM" in response.content.decode()


def test_the_dashboard_loads_the_announcement(
    client: Client, agent: User, supervisor: User
) -> None:
    """The performance landing pages (the scorecards, My scorecard) load the month's awards
    after the page; the announcement shows the latest awarded month."""
    _award(agent, month=date(2026, 9, 1))
    _award(agent, AwardKind.TOUGHEST_CASES)
    client.force_login(agent)
    me = client.get("/performance/me/").content.decode()
    assert 'hx-get="/recognition/announcement/"' in me
    assert 'hx-get="/recognition/badges/anna/"' in me
    client.force_login(supervisor)
    assert 'hx-get="/recognition/announcement/"' in client.get("/performance/").content.decode()
    html = client.get(ANNOUNCEMENT).content.decode()
    assert "Awards of October 2026" in html
    assert "Toughest cases solved" in html
    assert "CSAT champion" not in html  # September's
    assert 'href="/recognition/?month=2026-10"' in html


def test_no_award_no_announcement(client: Client, agent: User) -> None:
    client.force_login(agent)
    assert client.get(ANNOUNCEMENT).content.decode().strip() == ""


def test_badges_on_the_profile(client: Client, agent: User, other_agent: User) -> None:
    _award(agent, month=date(2026, 9, 1))
    _award(agent, AwardKind.TOUGHEST_CASES)
    client.force_login(other_agent)  # awards are public: a colleague sees them too
    html = client.get("/recognition/badges/anna/").content.decode()
    assert "Toughest cases solved · 2026-10" in html
    assert "CSAT champion · 2026-09" in html
    assert html.index("2026-10") < html.index("2026-09")
    assert client.get("/recognition/badges/nobody/").status_code == 404
    assert "Badges" not in client.get("/recognition/badges/bo/").content.decode()


def test_query_counts_are_pinned(
    client: Client, agent: User, django_assert_num_queries: Any
) -> None:
    _award(agent)
    MetricsSettings.load()  # created once; the tabs read it (the public-leaderboard switch)
    client.force_login(agent)
    # session, user; the months with awards, the month's awards with their agents; the tabs
    with django_assert_num_queries(5):
        client.get(PAGE, {"month": "2026-10"})
    with django_assert_num_queries(4):  # session, user, latest month, its awards
        client.get(ANNOUNCEMENT)
    with django_assert_num_queries(4):  # session, user, the agent, their awards
        client.get("/recognition/badges/anna/")
    for kind in (AwardKind.MOST_IMPROVED, AwardKind.TOUGHEST_CASES):
        _award(UserFactory(), kind)
    _award(agent, month=date(2026, 9, 1))
    with django_assert_num_queries(5):
        client.get(PAGE, {"month": "2026-10"})
    with django_assert_num_queries(4):
        client.get(ANNOUNCEMENT)
    with django_assert_num_queries(4):
        client.get("/recognition/badges/anna/")


def test_chinese(client: Client, month_of_work: dict[str, User]) -> None:
    awards_store(month=OCTOBER, now=AFTER_OCTOBER)
    client.force_login(month_of_work["anna"])
    client.cookies["django_language"] = "zh-hans"
    html = client.get(PAGE, {"month": "2026-10"}).content.decode()
    assert "CSAT 冠军" in html
    assert "奖项" in html
