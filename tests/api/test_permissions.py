"""Role × endpoint matrix (docs/reliability.md, "Web and API"): 401/403/404 exactly where they
belong; a ticket id of another team reveals nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

ApiAs = Callable[[User | None], ApiClient]
ROLES = ["anonymous", "other_agent", "agent", "qa_reviewer", "supervisor", "admin_user"]


@pytest.fixture
def caller(request: pytest.FixtureRequest, api_as: ApiAs) -> tuple[str, ApiClient]:
    role: str = request.param
    user = None if role == "anonymous" else request.getfixturevalue(role)
    return role, api_as(user)


def _expect(role: str, *, allowed: int, other_team: int = 404) -> int:
    if role == "anonymous":
        return 401
    if role == "other_agent":
        return other_team
    return allowed


TICKET_READ = {
    "anonymous": 401,
    "other_agent": 404,
    "agent": 200,
    "qa_reviewer": 200,
    "supervisor": 200,
    "admin_user": 200,
}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_ticket_detail(caller: tuple[str, ApiClient], ticket: Ticket) -> None:
    role, api = caller
    response = api.get(f"/api/tickets/{ticket.pk}")
    assert response.status_code == TICKET_READ[role]
    if response.status_code == 404:
        assert response.json() == {"message": f"ticket {ticket.pk} not found"}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_ticket_list(caller: tuple[str, ApiClient], ticket: Ticket, other_ticket: Ticket) -> None:
    role, api = caller
    response = api.get("/api/tickets")
    if role == "anonymous":
        assert response.status_code == 401
        return
    ids = {item["id"] for item in response.json()["items"]}
    expected = {
        "other_agent": {other_ticket.pk},
        "agent": {ticket.pk},
        "qa_reviewer": {ticket.pk},
        "supervisor": {ticket.pk, other_ticket.pk},
        "admin_user": {ticket.pk, other_ticket.pk},
    }[role]
    assert ids == expected


WRITES: list[tuple[str, dict[str, Any], int]] = [
    ("reply", {"body": "Hello"}, 201),
    ("notes", {"body": "Internal"}, 201),
    ("assign", {"agent": None, "team": "EU"}, 200),
    ("status", {"status": "solved"}, 200),
    ("escalate", {"to": "tier2"}, 200),
]


@pytest.mark.parametrize(("action", "payload", "ok"), WRITES)
@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_ticket_writes(
    caller: tuple[str, ApiClient],
    ticket: Ticket,
    action: str,
    payload: dict[str, Any],
    ok: int,
) -> None:
    role, api = caller
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    response = api.post(f"/api/tickets/{ticket.pk}/{action}", payload)
    assert response.status_code == _expect(role, allowed=ok), response.content
    if response.status_code >= 400:
        assert "message" in response.json()
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_ticket_create(caller: tuple[str, ApiClient], team: Team, other_team: Team) -> None:
    role, api = caller
    response = api.post("/api/tickets", {"subject": "Hi", "channel": "api"})
    expected = {"anonymous": 401}.get(role, 201)
    assert response.status_code == expected, response.content
    if expected == 201:
        # whoever opened it can read it back
        assert api.get(f"/api/tickets/{response.json()['id']}").status_code == 200


def test_ticket_assigned_to_an_agent_of_another_team_is_visible_to_them(
    api_as: ApiAs, ticket: Ticket, other_agent: User
) -> None:
    services.ticket_assign(ticket=ticket, by=other_agent, agent=other_agent)
    assert api_as(other_agent).get(f"/api/tickets/{ticket.pk}").status_code == 200


def test_agent_who_assigns_away_gets_the_result_but_loses_sight(
    api_as: ApiAs, agent: User, ticket: Ticket, other_team: Team
) -> None:
    api = api_as(agent)
    response = api.post(f"/api/tickets/{ticket.pk}/assign", {"agent": None, "team": "APAC"})
    assert response.status_code == 200
    assert response.json()["ticket"]["team"] == "APAC"
    assert api.get(f"/api/tickets/{ticket.pk}").status_code == 404


CONFIG = {
    "anonymous": 401,
    "other_agent": 403,
    "agent": 403,
    "qa_reviewer": 403,
    "supervisor": 403,
    "admin_user": 201,
}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_team_create_is_for_admins(caller: tuple[str, ApiClient]) -> None:
    role, api = caller
    response = api.post("/api/teams", {"name": "LATAM"})
    assert response.status_code == CONFIG[role]
    assert Team.objects.filter(name="LATAM").exists() == (CONFIG[role] == 201)


AGENTS = {
    "anonymous": 401,
    "other_agent": 403,
    "agent": 403,
    "qa_reviewer": 403,
    "supervisor": 200,
    "admin_user": 200,
}


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_agents_list_is_for_supervisors_and_admins(caller: tuple[str, ApiClient]) -> None:
    role, api = caller
    assert api.get("/api/agents").status_code == AGENTS[role]


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_commerce_reads_are_for_everyone_signed_in(caller: tuple[str, ApiClient]) -> None:
    role, api = caller
    order = OrderFactory(customer=CustomerFactory())
    expected = 401 if role == "anonymous" else 200
    for path in [
        "/api/customers",
        f"/api/customers/{order.customer_id}",
        "/api/orders",
        f"/api/orders/{order.pk}",
        "/api/stores",
    ]:
        assert api.get(path).status_code == expected, path


@pytest.mark.parametrize("caller", ROLES, indirect=True)
def test_account_reads(caller: tuple[str, ApiClient]) -> None:
    role, api = caller
    expected = 401 if role == "anonymous" else 200
    for path in ["/api/me", "/api/tokens", "/api/teams"]:
        assert api.get(path).status_code == expected, path


def test_token_of_another_user_cannot_be_revoked(api_as: ApiAs, agent: User) -> None:
    token, _raw = api_token_create(user=agent, name="anna's")
    intruder = UserFactory(username="eve")
    response = api_as(intruder).delete(f"/api/tokens/{token.pk}")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
