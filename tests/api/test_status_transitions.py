"""Status transitions in one place (issue 16, item 9; docs/api.md, "Tickets"): `new` is only
the state before anything happened, so a reply with `status=new` is a 422 naming `status` and
writes nothing, through the API (JSON and multipart), the pages and the services; no change of
status leads back to `new`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets import services
from afterdesk.tickets.models import Message, Status, Ticket, TicketEvent
from afterdesk.tickets.transitions import status_transition_check
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db
ApiAs = Callable[[User | None], ApiClient]


def _events(ticket: Ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).count()


@pytest.mark.parametrize("current", ["new", "open", "pending"])
def test_api_reply_with_status_new_is_422_and_writes_nothing(
    api_as: ApiAs, agent: User, ticket: Ticket, current: str
) -> None:
    if current != "new":
        services.ticket_set_status(ticket=ticket, by=agent, status=current)
    before = _events(ticket)
    api = api_as(agent)
    for response in (
        api.post(f"/api/tickets/{ticket.pk}/reply", {"body": "Hello", "status": "new"}),
        api.post_multipart(
            f"/api/tickets/{ticket.pk}/reply/upload", {"body": "Hello", "status": "new"}
        ),
    ):
        assert response.status_code == 422, response.content
        assert response.json()["field"] == "status"
        assert "new" in response.json()["message"]
    assert _events(ticket) == before
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()
    ticket.refresh_from_db()
    assert ticket.status == current


def test_api_status_change_to_new_is_422(api_as: ApiAs, agent: User, ticket: Ticket) -> None:
    services.ticket_set_status(ticket=ticket, by=agent, status="open")
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/status", {"status": "new"})
    assert response.status_code == 422
    assert response.json()["field"] == "status"


@pytest.mark.parametrize("action", ["reply", "status"])
def test_pages_refuse_status_new(agent: User, ticket: Ticket, action: str) -> None:
    client = Client()
    client.force_login(agent)
    before = _events(ticket)
    response = client.post(f"/tickets/{ticket.pk}/{action}/", {"body": "Hi", "status": "new"})
    assert response.status_code == 422
    assert _events(ticket) == before


def test_services_refuse_status_new(agent: User, ticket: Ticket) -> None:
    with pytest.raises(ValidationError) as error:
        services.message_reply(ticket=ticket, by=agent, body="Hi", status="new")
    assert error.value.field == "status"
    services.ticket_set_status(ticket=ticket, by=agent, status="solved")
    with pytest.raises(ValidationError):
        services.ticket_set_status(ticket=ticket, by=agent, status="new")


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("new", "new", True),  # nothing changes
        ("open", "new", False),
        ("solved", "new", False),
        ("new", "open", True),
        ("closed", "open", True),
        ("open", "gone", False),
    ],
)
def test_status_transition_check(current: str, target: str, allowed: bool) -> None:
    if allowed:
        status_transition_check(current=current, target=target)
    else:
        with pytest.raises(ValidationError) as error:
            status_transition_check(current=current, target=target)
        assert error.value.field == "status"
    assert Status.NEW.value == "new"


def test_reply_on_a_new_ticket_opens_it(api_as: ApiAs, agent: User, ticket: Ticket) -> Any:
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/reply", {"body": "Hello"})
    assert response.status_code == 201
    assert response.json()["ticket"]["status"] == "open"
