"""Several schedules per team: the calendar in force for a ticket's market and date, the API
and the editor pages (market holidays and team schedules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars.models import Calendar, MarketHolidays, TeamCalendar
from afterdesk.calendars.teams import team_calendar, team_calendars_set
from afterdesk.core.errors import ValidationError
from tests.factories import CalendarFactory
from tests.metrics.api.conftest import Api

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], Api]


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def schedules(team: Team) -> Team:
    for key in ("default", "berlin", "christmas", "summer"):
        CalendarFactory(key=key)
    team_calendars_set(
        team=team,
        schedules=[
            {"calendar": "default"},
            {"calendar": "berlin", "market": "DE"},
            {"calendar": "christmas", "valid_from": "2026-12-20", "valid_until": "2026-12-31"},
            {"calendar": "summer", "market": "DE", "valid_from": "2026-07-01"},
        ],
    )
    return team


@pytest.mark.parametrize(
    ("market", "on", "expected"),
    [
        ("FR", date(2026, 5, 4), "default"),
        ("DE", date(2026, 5, 4), "berlin"),  # a market's schedule beats "any market"
        ("FR", date(2026, 12, 24), "christmas"),  # a dated one beats the open-ended one
        ("FR", date(2027, 1, 1), "default"),  # after valid_until
        ("DE", date(2026, 12, 24), "summer"),  # market first, then the latest start
        ("DE", date(2026, 6, 30), "berlin"),
    ],
)
def test_the_schedule_in_force(schedules: Team, market: str, on: date, expected: str) -> None:
    calendar = team_calendar(team_id=schedules.pk, market=market, on=on)
    assert calendar is not None
    assert calendar.key == expected


def test_a_team_without_schedules_has_no_calendar(team: Team) -> None:
    assert team_calendar(team_id=team.pk, market="DE", on=date(2026, 5, 4)) is None


@pytest.mark.parametrize(
    ("schedule", "field"),
    [
        ({"calendar": "nope"}, "schedules[0]"),
        ({"calendar": "default", "market": "de!"}, "schedules[0]"),
        ({"calendar": "default", "valid_from": "2026-13-01"}, "schedules[0]"),
        (
            {"calendar": "default", "valid_from": "2026-12-31", "valid_until": "2026-01-01"},
            "schedules[0]",
        ),
    ],
)
def test_bad_schedules_change_nothing(
    schedules: Team, schedule: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        team_calendars_set(team=schedules, schedules=[schedule])
    assert error.value.field == field
    assert TeamCalendar.objects.filter(team=schedules).count() == 4


def test_schedules_api(api_as: ApiAs, admin_user: User, agent: User, team: Team) -> None:
    CalendarFactory(key="default")
    CalendarFactory(key="berlin")
    admin = api_as(admin_user)
    body = {
        "schedules": [
            {"calendar": "default"},
            {"calendar": "berlin", "market": "DE", "valid_from": "2026-01-01"},
        ]
    }
    put = admin.put(f"/api/teams/{team.pk}/schedules", body)
    assert put.status_code == 200
    assert put.json()[1] == {
        "calendar": "berlin",
        "market": "DE",
        "valid_from": "2026-01-01",
        "valid_until": None,
    }
    reader = api_as(agent)
    assert reader.get(f"/api/teams/{team.pk}/schedules").json() == put.json()
    found = reader.get(f"/api/teams/{team.pk}/calendar", market="DE", on="2026-03-02").json()
    assert found == {"team": team.pk, "market": "DE", "on": "2026-03-02", "calendar": "berlin"}
    assert reader.put(f"/api/teams/{team.pk}/schedules", body).status_code == 403
    bad = admin.put(f"/api/teams/{team.pk}/schedules", {"schedules": [{"calendar": "x"}]})
    assert (bad.status_code, bad.json()["field"]) == (422, "schedules[0]")
    assert admin.get("/api/teams/999999/schedules").status_code == 404
    assert reader.get(f"/api/teams/{team.pk}/calendar", on="someday").status_code == 422
    # A calendar a team schedules cannot be deleted from under it.
    assert admin.delete("/api/calendars/berlin").status_code == 409


def test_calendar_page_saves_markets_and_a_split_shift(admin_user: User) -> None:
    form = {
        "key": "de-office",
        "tz": "Europe/Berlin",
        "mon": "08:00-12:00, 14:00-18:00",
        "holidays": "2026-12-31",
        "markets": "de, at",
    }
    assert client_for(admin_user).post("/calendars/new/", form).status_code == 302
    calendar = Calendar.objects.get(key="de-office")
    assert calendar.markets == ["DE", "AT"]
    assert calendar.hours["mon"] == [["08:00", "12:00"], ["14:00", "18:00"]]
    page = client_for(admin_user).get("/calendars/de-office/")
    assert "DE, AT" in page.content.decode()
    bad = client_for(admin_user).post("/calendars/new/", {**form, "key": "x", "markets": "d e"})
    assert bad.status_code == 422
    assert not Calendar.objects.filter(key="x").exists()


def test_market_holidays_page(admin_user: User, supervisor: User) -> None:
    CalendarFactory(key="de-office", markets=["DE"])
    client = client_for(admin_user)
    response = client.post(
        "/calendars/markets/", {"market": "de", "name": "Germany", "dates": "2026-10-03\n"}
    )
    assert response.status_code == 302
    assert Calendar.objects.get(key="de-office").holidays == ["2026-10-03"]
    assert MarketHolidays.objects.get(market="DE").dates == ["2026-10-03"]
    page = client.get("/calendars/markets/?market=DE").content.decode()
    assert "de-office" in page
    assert "2026-10-03" in page
    bad = client.post("/calendars/markets/", {"market": "DE", "dates": "3 Oct"})
    assert bad.status_code == 422
    assert MarketHolidays.objects.get(market="DE").dates == ["2026-10-03"]
    assert client_for(supervisor).get("/calendars/markets/").status_code == 200
    refused = client_for(supervisor).post("/calendars/markets/", {"market": "FR"})
    assert refused.status_code == 403


def test_team_schedules_page(admin_user: User, supervisor: User, team: Team) -> None:
    CalendarFactory(key="berlin")
    client = client_for(admin_user)
    posted = client.post(
        "/calendars/teams/", {"team": team.pk, "schedules": "berlin DE 2026-01-01 *\n"}
    )
    assert posted.status_code == 302
    row = TeamCalendar.objects.get(team=team)
    assert (row.calendar.key, row.market, row.valid_from, row.valid_until) == (
        "berlin",
        "DE",
        date(2026, 1, 1),
        None,
    )
    assert "berlin DE 2026-01-01 *" in client.get("/calendars/teams/").content.decode()
    bad = client.post("/calendars/teams/", {"team": team.pk, "schedules": "nope"})
    assert bad.status_code == 422
    assert TeamCalendar.objects.filter(team=team).count() == 1
    assert client_for(supervisor).get("/calendars/teams/").status_code == 200
    refused = client_for(supervisor).post("/calendars/teams/", {"team": team.pk})
    assert refused.status_code == 403
