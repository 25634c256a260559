"""POST /api/tickets/{id}/triage: an agent's correction of a ticket's triage over the API,
under the same access rule as the other ticket actions."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.tickets import services
from afterdesk.tickets.events import TRIAGE_ISSUE_TYPES, TRIAGE_RISK_FLAGS
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.schemas import IssueType, RiskFlag
from tests.factories import T0

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def ticket(team: Team) -> Ticket:
    ticket = services.ticket_create(
        subject="Where is it?", channel="email", body="Nothing came.", at=T0, external_id="T-1"
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    services.ticket_triage_record(
        ticket=ticket,
        language="en",
        issue_type="other",
        risk=10,
        risk_flags=[],
        priority="normal",
        reason="issue: no issue phrase matched",
        at=T0,
    )
    return Ticket.objects.get(pk=ticket.pk)


def post(user: User | None, ticket: Ticket, body: Any) -> Any:
    headers = {}
    if user is not None:
        _token, raw = api_token_create(user=user, name="tests")
        headers["Authorization"] = f"Bearer {raw}"
    return Client().post(
        f"/api/tickets/{ticket.pk}/triage", body, content_type=JSON, headers=headers
    )


def test_the_schema_offers_exactly_the_triage_codes() -> None:
    assert get_args(IssueType) == TRIAGE_ISSUE_TYPES
    assert get_args(RiskFlag) == TRIAGE_RISK_FLAGS


def test_an_agent_corrects_the_triage(agent: User, ticket: Ticket) -> None:
    response = post(
        agent,
        ticket,
        {"language": "en", "issue_type": "not_received", "risk_flags": ["atoz_claim"]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["event"]["kind"] == "triage"
    assert body["event"]["agent"] == "anna"
    assert body["event"]["fields"] == {
        "language": "en",
        "issue_type": "not_received",
        "risk": 10,
        "risk_flags": ["atoz_claim"],
        "priority": "normal",
        "reason": "issue type other → not_received; risk flags none → atoz_claim",
        "agent": "anna",
    }
    assert body["ticket"]["priority"] == "normal"
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.category, stored.language) == ("not_received", "en")

    response = post(
        agent,
        ticket,
        {"language": "es", "issue_type": "dispute", "priority": "urgent", "risk": 90, "note": "x"},
    )
    assert response.status_code == 200
    assert response.json()["ticket"]["priority"] == "urgent"
    assert response.json()["event"]["fields"]["risk"] == 90


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "en", "issue_type": "other", "colour": "red"}, "colour"),
        ({"language": "en", "issue_type": "broken"}, "issue_type"),
        ({"language": "en", "issue_type": "other", "risk_flags": ["lawsuit"]}, "risk_flags"),
        ({"language": "English", "issue_type": "other"}, "language"),
        ({"issue_type": "other"}, "language"),
        ({"language": "en", "issue_type": "other", "risk": 101}, "risk"),
        ({"language": "en", "issue_type": "other", "priority": "asap"}, "priority"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_writes_nothing(
    agent: User, ticket: Ticket, body: dict[str, Any], field: str
) -> None:
    response = post(agent, ticket, body)
    assert response.status_code == 422
    assert response.json()["field"].startswith(field)
    assert TicketEvent.objects.filter(kind="triage").count() == 1


def test_the_access_rule_of_the_other_ticket_actions(
    other_agent: User, supervisor: User, ticket: Ticket
) -> None:
    body = {"language": "en", "issue_type": "other"}
    assert post(None, ticket, body).status_code == 401
    assert post(other_agent, ticket, body).status_code == 404  # another team's ticket
    assert TicketEvent.objects.filter(kind="triage").count() == 1
    assert post(supervisor, ticket, body).status_code == 200
