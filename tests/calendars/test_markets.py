"""Holidays per market: a market's list closes every calendar declaring the market, through
the stored closed dates every BusinessCalendar is built from (metrics, SLA, routing), and
round-trips through the history as the calendar's closed dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars.markets import market_holidays_set
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import (
    calendar_create,
    calendar_history_apply,
    calendar_to_history,
)
from afterdesk.metrics.models import TicketFacts
from afterdesk.metrics.services import business_calendar
from afterdesk.sla.state import calendar_get as sla_calendar
from afterdesk.tickets import services
from tests.factories import T0
from tests.metrics.api.conftest import Api

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], Api]
HOUR_US = 60 * 60 * 1_000_000
THU_FRI = {"thu": [["08:00", "17:00"]], "fri": [["08:00", "17:00"]]}


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make


def test_split_shift_counts_only_the_open_parts(api_as: ApiAs, admin_user: User) -> None:
    admin = api_as(admin_user)
    split = {
        "key": "split",
        "tz": "UTC",
        "hours": {"mon": [["09:00", "12:00"], ["14:00", "18:00"]]},
    }
    assert admin.post("/api/calendars", split).status_code == 201
    period = {"from": "2026-10-05T00:00:00Z", "to": "2026-10-06T00:00:00Z"}  # a Monday
    assert admin.get("/api/calendars/split/business-minutes", **period).json()["minutes"] == 420


def test_market_holidays_close_the_calendar_for_metrics_and_sla(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    admin = api_as(admin_user)
    created = admin.post(
        "/api/calendars",
        {"key": "de", "tz": "UTC", "hours": THU_FRI, "holidays": [], "markets": ["DE"]},
    )
    assert created.status_code == 201
    assert created.json()["markets"] == ["DE"]
    calendar = Calendar.objects.get(key="de")
    ticket = services.ticket_create(
        subject="Late", channel="email", body="Where?", at=T0, calendar=calendar
    )  # T0: Thursday 2026-10-01 08:00 UTC; the reply comes Friday 10:00
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    services.message_reply(ticket=ticket, by=agent, body="ok", at=T0 + timedelta(hours=26))
    facts = TicketFacts.objects.get(ticket=ticket)
    assert facts.first_reply_business_us == 11 * HOUR_US

    put = admin.put("/api/market-holidays/DE", {"name": "Germany", "dates": ["2026-10-02"]})
    assert put.status_code == 200
    assert put.json() == {"market": "DE", "name": "Germany", "dates": ["2026-10-02"]}
    facts.refresh_from_db()
    assert facts.first_reply_business_us == 9 * HOUR_US  # Friday is closed now
    shown = admin.get("/api/calendars/de").json()
    assert (shown["holidays"], shown["closed_dates"]) == ([], ["2026-10-02"])
    # The SLA engine and metrics build their calendars from the same stored dates.
    assert date(2026, 10, 2) in sla_calendar(calendar.pk, {}).holidays
    assert date(2026, 10, 2) in business_calendar(calendar.pk, {}).holidays  # type: ignore[union-attr]

    assert admin.delete("/api/market-holidays/DE").status_code == 204
    facts.refresh_from_db()
    assert facts.first_reply_business_us == 11 * HOUR_US
    assert admin.delete("/api/market-holidays/DE").status_code == 404


def test_only_calendars_of_the_market_change_and_own_dates_stay_first() -> None:
    de = calendar_create(
        key="de", tz="UTC", hours=THU_FRI, holidays=["2026-12-31"], markets=["DE", "AT"]
    )
    fr = calendar_create(key="fr", tz="UTC", hours=THU_FRI, markets=["FR"])
    market_holidays_set(market="DE", dates=["2026-12-25", "2026-10-03", "2026-12-31"])
    market_holidays_set(market="AT", dates=["2026-10-26"])
    de.refresh_from_db()
    fr.refresh_from_db()
    assert de.own_holidays == ["2026-12-31"]
    assert de.holidays == ["2026-12-31", "2026-10-03", "2026-10-26", "2026-12-25"]
    assert fr.holidays == []


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/market-holidays/de", {"dates": []}, 422),  # lower case: not a market code
        ("/api/market-holidays/DE", {"dates": ["2026-02-30"]}, 422),
        ("/api/market-holidays/DE", {"dates": "2026-10-03"}, 422),
        ("/api/market-holidays/DE", {"dates": [], "colour": "red"}, 422),
    ],
)
def test_bad_market_holidays_are_refused(
    api_as: ApiAs, admin_user: User, path: str, body: dict[str, object], status: int
) -> None:
    response = api_as(admin_user).put(path, body)
    assert response.status_code == status
    assert "message" in response.json()
    assert api_as(admin_user).get("/api/market-holidays").json() == []


def test_a_calendar_with_a_bad_market_is_refused(api_as: ApiAs, admin_user: User) -> None:
    response = api_as(admin_user).post(
        "/api/calendars", {"key": "x", "tz": "UTC", "hours": {}, "markets": ["germany!"]}
    )
    assert (response.status_code, response.json()["field"]) == (422, "markets")
    assert not Calendar.objects.exists()


def test_only_admins_change_market_holidays(api_as: ApiAs, supervisor: User) -> None:
    api = api_as(supervisor)
    assert api.put("/api/market-holidays/DE", {"dates": []}).status_code == 403
    assert api.get("/api/market-holidays").status_code == 200


def test_history_export_writes_every_closed_date_and_reimport_changes_nothing() -> None:
    calendar_create(key="de", tz="UTC", hours=THU_FRI, holidays=["2026-12-31"], markets=["DE"])
    market_holidays_set(market="DE", dates=["2026-10-03"])
    line = calendar_to_history(Calendar.objects.get(key="de"))
    assert line["holidays"] == ["2026-12-31", "2026-10-03"]

    _calendar, outcome = calendar_history_apply(
        key="de", tz=line["tz"], hours=line["hours"], holidays=line["holidays"]
    )
    assert outcome == "unchanged"
    # A file with one more closed date: it becomes the calendar's own; the market's stays
    # the market's (not copied into the calendar's own list).
    calendar, outcome = calendar_history_apply(
        key="de", tz="UTC", hours=THU_FRI, holidays=["2026-10-03", "2026-12-24"]
    )
    assert outcome == "updated"
    assert calendar.own_holidays == ["2026-12-24"]
    assert calendar.holidays == ["2026-12-24", "2026-10-03"]
    assert calendar.markets == ["DE"]
    # Elsewhere (no markets), the file alone closes the same dates.
    other, outcome = calendar_history_apply(
        key="elsewhere", tz="UTC", hours=THU_FRI, holidays=line["holidays"]
    )
    assert outcome == "created"
    assert other.holidays == other.own_holidays == ["2026-12-31", "2026-10-03"]
