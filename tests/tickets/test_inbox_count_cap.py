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


def test_the_sla_order_read_in_two_parts_is_the_one_query_s(agent: User, team: Team) -> None:
    """`DueOrderedTickets` (running deadlines from the SLA index, then the rest) lists the
    same tickets in the same order as `queue_order(…, "due")`, on every page."""
    from afterdesk.sla.models import TicketSla
    from afterdesk.tickets.queue import queue_order

    now = timezone.now()
    for n in range(12):
        ticket = TicketFactory(
            team=team, status=Status.OPEN, updated_at=now - timedelta(minutes=(n * 7) % 5)
        )
        kind = n % 4
        if kind == 3:
            continue  # no SLA row
        TicketSla.objects.create(
            ticket=ticket,
            first_reply_due=now + timedelta(minutes=(n * 13) % 6) if kind != 2 else None,
            resolution_due=now + timedelta(hours=n) if n % 5 else None,
            paused=kind == 1,
            computed_at=now,
        )
    base = selectors.tickets_for_user(user=agent)
    expected = [t.pk for t in queue_order(base, "due")]
    merged = selectors.DueOrderedTickets(base.order_by())
    assert merged.count() == len(expected) == 12
    for size in (1, 4, 5, 12):
        pages = [[t.pk for t in merged[start : start + size]] for start in range(0, 12, size)]
        assert [pk for page_ in pages for pk in page_] == expected


def test_views_that_imply_visibility_show_what_they_showed(
    client: Client, agent: User, team: Team, other_team: Team
) -> None:
    """ "Mine", "my teams" and "unassigned" leave the visibility test to their own condition
    (tickets.selectors._inbox_filtered): the same tickets as with it."""
    TicketFactory(subject="own elsewhere", team=other_team, assignee=agent)
    TicketFactory(subject="loose elsewhere", team=other_team, status=Status.NEW)
    TicketFactory(subject="loose here", team=team, status=Status.NEW)
    client.force_login(agent)

    def listed(query: dict[str, str]) -> list[str]:
        body = client.get("/", query, **HTMX).content.decode()
        return sorted(re.findall(r'class="open" href="[^"]*"[^>]*>([^<]+)</a>', body))

    assert listed({"view": "mine"}) == ["own elsewhere"]
    assert listed({"view": "unassigned"}) == ["loose here"]
    assert listed({"view": "team"}) == ["loose here"]
    assert listed({"view": "unassigned", "team": other_team.name}) == []


@pytest.mark.parametrize("number", ["abc", "0", "-3", "99999", "1e3", ""])
def test_any_page_number_answers_a_page(
    client: Client, agent: User, seven: list[int], monkeypatch: pytest.MonkeyPatch, number: str
) -> None:
    monkeypatch.setattr(selectors.InboxPaginator, "cap", 3)
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 2)
    client.force_login(agent)
    response = client.get("/", {"view": "mine", "page": number}, **HTMX)
    assert response.status_code == 200
    assert NUMBER.findall(response.content.decode())  # a page with tickets, never an empty one


def test_breaching_soon_counts_and_pages_through_its_deadlines_only(
    client: Client, agent: User, team: Team, other_team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The view keeps only tickets with a running deadline, so its count walks the deadlines
    (`DueOrderedTickets(only_running=True)`): the same tickets as the view, never the ones
    without a deadline, another team's, or a paused clock."""
    from afterdesk.sla.models import TicketSla

    now = timezone.now()

    def ticket(minutes: int | None, *, owner: Team = team, paused: bool = False) -> int:
        made = TicketFactory(team=owner, status=Status.OPEN, updated_at=now)
        if minutes is not None:
            TicketSla.objects.create(
                ticket=made,
                next_reply_due=now + timedelta(minutes=minutes),
                paused=paused,
                computed_at=now,
            )
        return made.pk

    breaching = [ticket(m) for m in (-30, -5, 20, 60, 110)]  # soonest first
    ticket(600)  # not soon
    ticket(None)  # no deadline at all
    ticket(10, paused=True)
    ticket(10, owner=other_team)
    monkeypatch.setattr(selectors, "INBOX_PAGE_SIZE", 2)
    client.force_login(agent)
    pages = [
        client.get("/", {"view": "breaching", "page": str(n)}, **HTMX).content.decode()
        for n in (1, 2, 3)
    ]
    assert "5 tickets" in pages[0]
    assert [NUMBER.findall(body) for body in pages] == [
        [str(pk) for pk in breaching[0:2]],
        [str(pk) for pk in breaching[2:4]],
        [str(pk) for pk in breaching[4:]],
    ]
    monkeypatch.setattr(selectors.InboxPaginator, "cap", 3)
    assert "3+ tickets" in client.get("/", {"view": "breaching"}, **HTMX).content.decode()
