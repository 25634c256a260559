"""The surveys API (docs/surveys.md, "API"): settings for admins only, checked like the page;
a ticket's surveys for whoever may see the ticket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.models import Mailbox
from afterdesk.surveys.models import SurveySettings
from afterdesk.surveys.services.answers import survey_answer
from afterdesk.tickets import services as tickets
from tests.surveys.conftest import sent_survey

pytestmark = pytest.mark.django_db


def api(user: User) -> tuple[Client, dict[str, str]]:
    _token, raw = api_token_create(user=user, name="tests")
    return Client(), {"Authorization": f"Bearer {raw}"}


def put(user: User, body: Any) -> Any:
    client, headers = api(user)
    return client.put(
        "/api/surveys/settings", json.dumps(body), content_type="application/json", headers=headers
    )


def test_admins_read_and_change_the_settings(admin_user: User, supervisor: User) -> None:
    client, headers = api(admin_user)
    got = client.get("/api/surveys/settings", headers=headers)
    assert got.status_code == 200
    assert {k: got.json()[k] for k in ("enabled", "delay_hours", "expiry_days")} == {
        "enabled": True,
        "delay_hours": 24,
        "expiry_days": 14,
    }
    changed = put(admin_user, {"enabled": True, "delay_hours": 2, "expiry_days": 30})
    assert changed.status_code == 200
    assert changed.json()["delay_hours"] == 2
    assert SurveySettings.load().expiry_days == 30

    assert (
        put(supervisor, {"enabled": False, "delay_hours": 1, "expiry_days": 1}).status_code == 403
    )
    client, headers = api(supervisor)
    assert client.get("/api/surveys/settings", headers=headers).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"enabled": True, "delay_hours": 721, "expiry_days": 14}, "delay_hours"),
        ({"enabled": True, "delay_hours": 24, "expiry_days": 0}, "expiry_days"),
        ({"enabled": True, "delay_hours": 24, "expiry_days": 14, "colour": "red"}, "colour"),
        ({"delay_hours": 24, "expiry_days": 14}, "enabled"),
    ],
)
def test_bad_settings_are_422_naming_the_field(
    admin_user: User, body: dict[str, Any], field: str
) -> None:
    answer = put(admin_user, body)
    assert answer.status_code == 422
    assert answer.json()["field"] == field
    assert SurveySettings.load().delay_hours == 24


def test_a_tickets_surveys_for_whoever_may_see_it(
    mailbox: Mailbox, agent: User, other_agent: User, team: Team
) -> None:
    survey, _link = sent_survey(mailbox, agent)
    tickets.ticket_assign(ticket=survey.ticket, by=agent, agent=agent, team=team)
    survey_answer(survey_id=survey.pk, rating=4, comment="Quick")

    client, headers = api(agent)
    answer = client.get(f"/api/tickets/{survey.ticket_id}/surveys", headers=headers)
    assert answer.status_code == 200
    [item] = answer.json()
    assert (item["state"], item["rating"], item["comment"], item["answers"]) == (
        "sent",
        4,
        "Quick",
        1,
    )
    assert item["recipient"] == "buyer@example.net"

    client, headers = api(other_agent)
    assert (
        client.get(f"/api/tickets/{survey.ticket_id}/surveys", headers=headers).status_code == 404
    )
