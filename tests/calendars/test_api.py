"""The calendars API: CRUD (admins), 409 for a calendar in use, business minutes (DST)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.calendars.models import Calendar
from afterdesk.metrics.models import TicketFacts
from afterdesk.tickets import services
from tests.factories import T0, CalendarFactory
from tests.metrics.api.conftest import Api

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], Api]
ROLES = ["anonymous", "agent", "qa_reviewer", "supervisor", "admin_user"]
NINE_TO_FIVE = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
BERLIN: dict[str, Any] = {
    "key": "eu-office",
    "name": "EU office",
    "tz": "Europe/Berlin",
    "hours": NINE_TO_FIVE,
    "holidays": ["2026-10-03"],
}


@pytest.fixture
def api_as() -> ApiAs:
    def make(user: User | None) -> Api:
        return Api(api_token_create(user=user, name="t")[1]) if user else Api()

    return make


def test_create_read_update_delete(api_as: ApiAs, admin_user: User, agent: User) -> None:
    admin = api_as(admin_user)
    response = admin.post("/api/calendars", BERLIN)
    assert response.status_code == 201
    assert response.json() == {
        **BERLIN,
        "markets": [],
        "closed_dates": BERLIN["holidays"],
        "tickets": 0,
    }

    reader = api_as(agent)
    assert [c["key"] for c in reader.get("/api/calendars").json()] == ["eu-office"]
    assert reader.get("/api/calendars/eu-office").json()["tz"] == "Europe/Berlin"

    changed = {"name": "EU", "tz": "Europe/Paris", "hours": {"sat": [["10:00", "14:00"]]}}
    response = admin.put("/api/calendars/eu-office", changed)
    assert response.status_code == 200
    assert response.json() == {
        **changed,
        "key": "eu-office",
        "holidays": [],
        "markets": [],
        "closed_dates": [],
        "tickets": 0,
    }

    response = admin.delete("/api/calendars/eu-office")
    assert response.status_code == 204
    assert not Calendar.objects.exists()
    assert reader.get("/api/calendars/eu-office").status_code == 404


def test_duplicate_key_is_409(api_as: ApiAs, admin_user: User) -> None:
    admin = api_as(admin_user)
    assert admin.post("/api/calendars", BERLIN).status_code == 201
    response = admin.post("/api/calendars", {**BERLIN, "tz": "UTC"})
    assert response.status_code == 409
    assert response.json() == {"message": "calendar 'eu-office' already exists", "field": "key"}
    assert Calendar.objects.get().tz == "Europe/Berlin"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"tz": ""}, "tz"),
        ({"tz": None}, "tz"),
        ({"hours": {"mon": [["09:00", "08:00"]]}}, "hours.mon"),
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours.mon"),
        ({"hours": {"mon": [["9:00", "12:00"]]}}, "hours.mon"),
        ({"hours": {"mon": [["24:00", "24:00"]]}}, "hours.mon"),
        ({"hours": {"funday": [["09:00", "12:00"]]}}, "hours.funday"),
        ({"hours": {"mon": "09:00-17:00"}}, "hours.mon"),
        ({"hours": [["09:00", "17:00"]]}, "hours"),
        ({"holidays": ["2026-13-01"]}, "holidays"),
        ({"holidays": ["3 Oct"]}, "holidays"),
        ({"holidays": "2026-10-03"}, "holidays"),
        ({"key": "eu office/1"}, "key"),
        ({"key": ""}, "key"),
        ({"key": "k" * 101}, "key"),
        ({"name": "n" * 151}, "name"),
        ({"name": "bad\x00"}, "name"),
    ],
)
def test_invalid_calendars_are_422_naming_the_field(
    api_as: ApiAs, admin_user: User, change: dict[str, Any], field: str
) -> None:
    response = api_as(admin_user).post("/api/calendars", {**BERLIN, **change})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Calendar.objects.exists()


def test_invalid_update_changes_nothing(api_as: ApiAs, admin_user: User) -> None:
    calendar = CalendarFactory(key="de")
    response = api_as(admin_user).put(
        "/api/calendars/de", {"tz": "Europe/Berlin", "hours": {"mon": [["18:00", "09:00"]]}}
    )
    assert (response.status_code, response.json()["field"]) == (422, "hours.mon")
    calendar.refresh_from_db()
    assert calendar.hours == NINE_TO_FIVE
    assert api_as(admin_user).put("/api/calendars/nope", {"tz": "UTC"}).status_code == 404
    assert api_as(admin_user).delete("/api/calendars/nope").status_code == 404


def test_calendar_in_use_cannot_be_deleted_and_updates_refresh_facts(
    api_as: ApiAs, admin_user: User, agent: User
) -> None:
    calendar = CalendarFactory(key="de", tz="UTC")
    ticket = services.ticket_create(
        subject="Late", channel="email", body="Where?", at=T0, calendar=calendar
    )  # T0: Thursday 2026-10-01 08:00 UTC
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    services.message_reply(ticket=ticket, by=agent, body="ok", at=T0 + timedelta(hours=2))
    facts = TicketFacts.objects.get(ticket=ticket)
    assert facts.first_reply_business_us == 60 * 60 * 1_000_000  # 09:00–10:00

    admin = api_as(admin_user)
    assert admin.get("/api/calendars/de").json()["tickets"] == 1
    response = admin.delete("/api/calendars/de")
    assert response.status_code == 409
    assert response.json() == {"message": "calendar 'de' is used by 1 ticket(s)"}
    assert Calendar.objects.filter(key="de").exists()

    wider = {"tz": "UTC", "hours": {"thu": [["08:00", "17:00"]]}}
    assert admin.put("/api/calendars/de", wider).status_code == 200
    facts.refresh_from_db()
    assert facts.first_reply_business_us == 2 * 60 * 60 * 1_000_000


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(api_as: ApiAs, request: pytest.FixtureRequest, role: str) -> None:
    CalendarFactory(key="de")
    user = None if role == "anonymous" else request.getfixturevalue(role)
    api = api_as(user)
    period = {"from": "2026-10-05T00:00:00Z", "to": "2026-10-06T00:00:00Z"}
    reads = [
        api.get("/api/calendars"),
        api.get("/api/calendars/de"),
        api.get("/api/calendars/de/business-minutes", **period),
    ]
    writes = [
        (api.post("/api/calendars", {**BERLIN}), 201),
        (api.put("/api/calendars/de", {"tz": "UTC", "hours": {}}), 200),
        (api.delete("/api/calendars/eu-office"), 204),
    ]
    if role == "anonymous":
        assert {r.status_code for r in reads} | {w.status_code for w, _ in writes} == {401}
        return
    assert {r.status_code for r in reads} == {200}
    for response, allowed in writes:
        assert response.status_code == (allowed if role == "admin_user" else 403)
    if role != "admin_user":
        assert response.json() == {"message": "only admins may change the configuration"}


@pytest.fixture
def berlin() -> Calendar:
    return CalendarFactory(
        key="berlin",
        tz="Europe/Berlin",
        hours={d: [["00:00", "24:00"]] for d in ("sat", "sun")} | NINE_TO_FIVE,
        holidays=["2026-10-03"],
    )


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        # 2026-03-29 (Sunday): clocks go 02:00 → 03:00 in Berlin, so the day has 23 hours.
        ("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23 * 60),
        ("2026-03-29T00:00:00+01:00", "2026-03-29T04:00:00+02:00", 3 * 60),
        # A weekday: 09:00–17:00 local only; Saturday 2026-10-03 is a holiday.
        ("2026-10-05T00:00:00+02:00", "2026-10-06T00:00:00+02:00", 8 * 60),
        ("2026-10-03T00:00:00+02:00", "2026-10-04T00:00:00+02:00", 0),
        ("2026-10-05T16:59:30+02:00", "2026-10-05T18:00:00+02:00", 0.5),
        ("2026-10-05T10:00:00Z", "2026-10-05T10:00:00Z", 0),
    ],
)
def test_business_minutes(
    api_as: ApiAs, agent: User, berlin: Calendar, start: str, end: str, minutes: float
) -> None:
    response = api_as(agent).get(
        "/api/calendars/berlin/business-minutes", **{"from": start, "to": end}
    )
    assert response.status_code == 200
    assert response.json() == {"minutes": minutes, "seconds": int(minutes * 60)}


def test_business_minutes_fractions_of_a_second(
    api_as: ApiAs, agent: User, berlin: Calendar
) -> None:
    params = {"from": "2026-10-05T09:00:00+02:00", "to": "2026-10-05T09:00:01.500000+02:00"}
    body = api_as(agent).get("/api/calendars/berlin/business-minutes", **params).json()
    assert body == {"minutes": 1.5 / 60, "seconds": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-10-05T00:00:00", "to": "2026-10-06T00:00:00Z"}, "from"),
        ({"from": "2026-10-05T00:00:00Z", "to": "tomorrow"}, "to"),
        ({"from": "2026-10-06T00:00:00Z", "to": "2026-10-05T00:00:00Z"}, "from"),
        ({"from": "2026-10-06T00:00:00Z"}, "to"),
        ({}, "from"),
    ],
)
def test_business_minutes_validation(
    api_as: ApiAs, agent: User, berlin: Calendar, params: dict[str, str], field: str
) -> None:
    response = api_as(agent).get("/api/calendars/berlin/business-minutes", **params)
    assert response.status_code == 422
    assert response.json()["field"] == field


def test_business_minutes_of_an_unknown_calendar_is_404(api_as: ApiAs, agent: User) -> None:
    params = {"from": "2026-10-05T00:00:00Z", "to": "2026-10-06T00:00:00Z"}
    response = api_as(agent).get("/api/calendars/nope/business-minutes", **params)
    assert response.status_code == 404
    assert response.json() == {"message": "no calendar 'nope'"}


def test_calendar_list_runs_a_fixed_number_of_queries(api_as: ApiAs, agent: User) -> None:
    api = api_as(agent)
    api.get("/api/me")  # the token's last use is written on its first request of a minute
    CalendarFactory()
    with CaptureQueriesContext(connection) as before:
        api.get("/api/calendars")
    CalendarFactory.create_batch(4)
    with CaptureQueriesContext(connection) as after:
        assert len(api.get("/api/calendars").json()) == 5
    assert len(after) == len(before)
