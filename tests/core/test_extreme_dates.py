"""Extreme dates on every period-taking page and endpoint (issue 16, item 5): a date or instant
outside the supported years (docs/api.md, "Periods"), or one whose time zone shift or previous
period would leave the calendar, is a 4xx naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.bonuses.models import BonusRule
from tests.api.conftest import ApiClient
from tests.bonuses.helpers import make_rule

pytestmark = pytest.mark.django_db

OK_FROM, OK_TO = "2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z"
# (from, to, the field to be named): each end, as a date and as an instant with an offset.
INSTANTS = [
    ("0001-01-01T00:00:00Z", OK_TO, "from"),
    ("0001-01-01T00:00:00+05:00", OK_TO, "from"),  # UTC would be year 0
    ("0001-01-07T00:00:00Z", "0001-01-14T00:00:00Z", "from"),  # previous week: year 0
    (OK_FROM, "9999-12-31T00:00:00Z", "to"),
    (OK_FROM, "9999-12-31T23:00:00-05:00", "to"),  # UTC would be year 10000
    ("1200-01-01T00:00:00Z", OK_TO, "from"),
]
DATES = [
    ("0001-01-01", "2026-10-01", "from"),
    ("2026-10-01", "9999-12-31", "to"),
]
# period=week/month around a date at either end (the month after 9999-12 does not exist).
CONTAINING = [("week", "0001-01-01"), ("month", "9999-12-31"), ("week", "9999-12-31")]

PAGES = [
    "/performance/",
    "/performance/me/",
    "/performance/leaderboard/",
    "/performance/segments/",
    "BONUS_PREVIEW",
]
API = [
    "/api/kpis",
    "/api/scorecards",
    "/api/scorecards/drilldown",
    "/api/leaderboards/agents",
    "/api/leaderboards/teams",
    "/api/segments",
    "BONUS_PAYOUTS",
]
REPORTS = [
    "/reports/weekly/",
    "/reports/weekly.pdf",
    "/reports/kpis.csv",
    "/reports/kpis.xlsx",
    "/reports/scorecard.csv",
    "/reports/scorecard.xlsx",
]


@pytest.fixture
def rule() -> BonusRule:
    return make_rule()


# What each endpoint needs besides the period.
EXTRA = {
    "/api/scorecards/drilldown": {"kpi": "csat_rate"},
    "/api/segments": {"dimension": "channel"},
}


def _url(url: str, rule: BonusRule) -> str:
    return {
        "BONUS_PREVIEW": f"/bonuses/rules/{rule.pk}/",
        "BONUS_PAYOUTS": f"/api/bonus-rules/{rule.pk}/payouts",
    }.get(url, url)


def _assert_names(response: Any, field: str) -> None:
    assert 400 <= response.status_code < 500, response.content[:300]
    text = response.content.decode()
    assert field in text
    assert "year" in text.lower()


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("start", "end", "field"), INSTANTS + DATES)
def test_pages_reject_extreme_custom_periods(
    client: Client, supervisor: User, rule: BonusRule, url: str, start: str, end: str, field: str
) -> None:
    client.force_login(supervisor)
    query = {"period": "custom", "from": start, "to": end}
    response = client.get(_url(url, rule), query)
    _assert_names(response, f'name="{field}"')


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("kind", "day"), CONTAINING)
def test_pages_reject_extreme_containing_dates(
    client: Client, supervisor: User, rule: BonusRule, url: str, kind: str, day: str
) -> None:
    client.force_login(supervisor)
    response = client.get(_url(url, rule), {"period": kind, "date": day})
    _assert_names(response, 'name="date"')


@pytest.mark.parametrize("url", API)
@pytest.mark.parametrize(("start", "end", "field"), INSTANTS)
def test_api_rejects_extreme_periods(
    supervisor: User, rule: BonusRule, url: str, start: str, end: str, field: str
) -> None:
    _token, raw = api_token_create(user=supervisor, name="tests")
    response = ApiClient(raw).get(
        _url(url, rule), **{"from": start, "to": end}, **EXTRA.get(url, {})
    )
    _assert_names(response, field)
    assert response.json()["field"] == field


@pytest.mark.parametrize("url", [u for u in API if u != "BONUS_PAYOUTS"])
@pytest.mark.parametrize(("kind", "day"), CONTAINING)
def test_api_rejects_extreme_containing_dates(
    supervisor: User, rule: BonusRule, url: str, kind: str, day: str
) -> None:
    _token, raw = api_token_create(user=supervisor, name="tests")
    response = ApiClient(raw).get(_url(url, rule), period=kind, date=day, **EXTRA.get(url, {}))
    _assert_names(response, "date")
    assert response.json()["field"] == "date"


@pytest.mark.parametrize("url", REPORTS)
@pytest.mark.parametrize(("start", "end", "field"), INSTANTS)
def test_reports_reject_extreme_periods(
    client: Client, supervisor: User, url: str, start: str, end: str, field: str
) -> None:
    client.force_login(supervisor)
    _assert_names(client.get(url, {"from": start, "to": end}), field)


@pytest.mark.parametrize("url", ["/reports/weekly/", "/reports/weekly.pdf"])
@pytest.mark.parametrize("week", ["0001-01-01", "9999-12-31"])
def test_weekly_review_rejects_extreme_weeks(
    client: Client, supervisor: User, url: str, week: str
) -> None:
    client.force_login(supervisor)
    _assert_names(client.get(url, {"week": week}), "week")
