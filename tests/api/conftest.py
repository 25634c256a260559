from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.accounts.services import api_token_create
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0

JSON = "application/json"


class ApiClient:
    """A test client speaking JSON with a bearer token (or anonymously)."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: Any = None) -> Any:
        return self.client.post(path, data or {}, content_type=JSON, headers=self.headers)

    def post_multipart(self, path: str, data: dict[str, Any]) -> Any:
        return self.client.post(path, data, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_as() -> Callable[[User | None], ApiClient]:
    def make(user: User | None) -> ApiClient:
        if user is None:
            return ApiClient()
        _token, raw = api_token_create(user=user, name="tests")
        return ApiClient(raw)

    return make


@pytest.fixture
def ticket(team: Team) -> Ticket:
    """A ticket of the team "EU" with one customer message."""
    ticket = services.ticket_create(
        subject="Where is my parcel?",
        channel="email",
        body="It has been three weeks.",
        language="en",
        category="not_received",
        at=T0,
    )
    services.ticket_assign(ticket=ticket, by=None, agent=None, team=team, at=T0)  # type: ignore[arg-type]
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def other_ticket(other_team: Team) -> Ticket:
    """A ticket of the team "APAC"."""
    ticket = services.ticket_create(
        subject="Wrong size", channel="chat", body="Too small.", category="size_issue", at=T0
    )
    services.ticket_assign(ticket=ticket, by=None, agent=None, team=other_team, at=T0)  # type: ignore[arg-type]
    ticket.refresh_from_db()
    return ticket
