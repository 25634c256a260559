"""The inbox counts its tickets only up to a cap ("1,000+ tickets") and pages on past it
(tickets.selectors.InboxPaginator; docs/benchmarks.md, "Inbox and ticket pages")."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import selectors
from afterdesk.tickets.models import Status
from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
NUMBER = re.compile(r'<td class="num"><a href="/tickets/(\d+)/')


@pytest.fixture
def seven(agent: User, team: Team) -> list[int]:
    """Seven open tickets of the agent, newest update last."""
    now = timezone.now()
    tickets = [
        TicketFactory(
            team=team, assignee=agent, status=Status.OPEN, updated_at=now - timedelta(hours=n)
        )
        for n in range(7)
    ]
    return [ticket.pk for ticket in tickets]


def page(client: Client, number: int) -> str:
    response = client.get("/", {"view": "mine", "page": str(number)}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_a_list_longer_than_the_cap_says_so_and_pages_on(
    client: Client, agent: User, seven: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors.InboxPaginator, "cap", 3)
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 2)
    client.force_login(agent)
    first = page(client, 1)
    assert "3+ tickets" in first
    assert NUMBER.findall(first) == [str(pk) for pk in seven[:2]]
    assert "Page 1<" in first
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    # past the counted tickets: the fourth page holds the seventh ticket, and is the last
    last = page(client, 4)
    assert NUMBER.findall(last) == [str(seven[6])]
    assert 'rel="next"' not in last
    assert 'rel="prev"' in last


def test_a_list_within_the_cap_is_counted_exactly(
    client: Client, agent: User, seven: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors.InboxPaginator, "cap", 7)
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 5)
    client.force_login(agent)
    first = page(client, 1)
    assert "7 tickets" in first
    assert "Page 1 of 2" in first
    assert NUMBER.findall(page(client, 9)) == [str(pk) for pk in seven[5:]]  # clamps


def test_one_status_counts_up_to_the_cap_too(
    client: Client, agent: User, seven: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors.InboxPaginator, "cap", 3)
    client.force_login(agent)
    response = client.get("/", {"view": "all", "status": "open"}, **HTMX)
    assert "3+ tickets" in response.content.decode()
    assert len(NUMBER.findall(response.content.decode())) == 7
