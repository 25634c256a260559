from __future__ import annotations

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.calendars.models import Calendar
from tests.factories import CalendarFactory

pytestmark = pytest.mark.django_db

FORM = {
    "key": "de-office",
    "name": "German office",
    "tz": "Europe/Berlin",
    "mon": "09:00-12:00, 13:00-18:00",
    "tue": "9:00-17:00",
    "holidays": "2026-10-03\n2026-12-25",
}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_creates_a_calendar(admin_user: User) -> None:
    response = client_for(admin_user).post("/calendars/new/", FORM)
    assert response.status_code == 302
    calendar = Calendar.objects.get(key="de-office")
    assert calendar.hours["mon"] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert calendar.hours["tue"] == [["09:00", "17:00"]]
    assert calendar.hours["sun"] == []
    assert calendar.holidays == ["2026-10-03", "2026-12-25"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mon": "13:00-18:00, 09:00-12:00"}, "mon"),
        ({"mon": "nine to five"}, "mon"),
        ({"holidays": "2026-02-30"}, "holidays"),
    ],
)
def test_invalid_calendar_is_refused_naming_the_field(
    admin_user: User, change: dict[str, str], field: str
) -> None:
    response = client_for(admin_user).post("/calendars/new/", {**FORM, **change})
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert not Calendar.objects.exists()


def test_edit_keeps_the_key(admin_user: User) -> None:
    CalendarFactory(key="jp", tz="Asia/Tokyo")
    response = client_for(admin_user).post(
        "/calendars/jp/", {**FORM, "key": "changed", "tz": "Asia/Tokyo"}
    )
    assert response.status_code == 302
    assert Calendar.objects.get().key == "jp"


def test_supervisor_reads_agent_is_refused(supervisor: User, agent: User) -> None:
    CalendarFactory(key="jp", tz="Asia/Tokyo")
    page = client_for(supervisor).get("/calendars/")
    assert page.status_code == 200
    assert "Asia/Tokyo" in page.content.decode()
    assert client_for(supervisor).get("/calendars/new/").status_code == 403
    assert client_for(agent).get("/calendars/").status_code == 403
    assert Client().get("/calendars/").status_code == 302


def test_changing_hours_recomputes_the_facts_of_its_tickets(admin_user: User) -> None:
    from datetime import timedelta

    from afterdesk.tickets import services
    from tests.factories import T0

    calendar = CalendarFactory(key="utc-office", tz="UTC", hours={"thu": [["08:00", "09:00"]]})
    ticket = services.ticket_create(
        subject="x", channel="email", body="hi", at=T0, calendar=calendar
    )  # T0 is Thursday 08:00 UTC
    services.message_reply(ticket=ticket, by=admin_user, body="ok", at=T0 + timedelta(hours=2))
    assert ticket.facts.first_reply_business_us == 3600 * 10**6
    response = client_for(admin_user).post(
        "/calendars/utc-office/", {**FORM, "tz": "UTC", "mon": "", "tue": "", "thu": "08:00-10:00"}
    )
    assert response.status_code == 302
    ticket.facts.refresh_from_db()
    assert ticket.facts.first_reply_business_us == 2 * 3600 * 10**6
