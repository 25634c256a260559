"""The inbox with several statuses: one ordered query per status, merged, must page exactly
like the single `status IN (…)` query it replaces."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.tickets.selectors import (
    InboxFilters,
    StatusMergedTickets,
    inbox_page,
    inbox_queryset,
    inbox_tickets,
)
from tests.factories import T0, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed(team: Team) -> None:
    """130 tickets of the agent's team in three statuses, with runs of equal update times,
    and some of another team."""
    statuses = ["open", "pending", "solved", "open", "on_hold"]
    for n in range(130):
        TicketFactory(
            subject=f"case {n}",
            team=team,
            status=statuses[n % len(statuses)],
            updated_at=T0 + timedelta(minutes=n // 3),  # three tickets per instant
        )
    other = TeamFactory(name="Elsewhere")
    for n in range(10):
        TicketFactory(team=other, status="open", updated_at=T0 + timedelta(hours=n))


def ids(tickets: object) -> list[int]:
    return [ticket.pk for ticket in tickets]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("mixed")
@pytest.mark.parametrize("status", ["open,pending", "pending,on_hold,open", "open,,solved"])
@pytest.mark.parametrize("user_fixture", ["agent", "supervisor"])
def test_merged_pages_equal_the_single_query(
    status: str, user_fixture: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(user_fixture)
    filters = InboxFilters(status=status)
    merged = inbox_tickets(user=user, filters=filters)
    assert isinstance(merged, StatusMergedTickets)
    expected = inbox_queryset(user=user, filters=filters)
    assert merged.count() == expected.count() > 50
    for start, stop in ((0, 50), (50, 100), (100, 150), (7, 19), (500, 550)):
        assert ids(merged[start:stop]) == ids(expected[start:stop]), (start, stop)


@pytest.mark.usefixtures("mixed")
def test_merged_pages_keep_the_other_filters(agent: User) -> None:
    filters = InboxFilters(status="open,pending", text="case 1")
    merged = inbox_tickets(user=agent, filters=filters)
    expected = inbox_queryset(user=agent, filters=filters)
    assert ids(merged[0:50]) == ids(expected[0:50])
    assert 0 < merged.count() == expected.count() < 50


def test_one_status_or_none_is_a_plain_queryset(agent: User) -> None:
    for status in (None, "", "open", "open,open"):
        tickets = inbox_tickets(user=agent, filters=InboxFilters(status=status))
        assert not isinstance(tickets, StatusMergedTickets)


@pytest.mark.usefixtures("mixed")
def test_the_merged_sequence_takes_only_plain_slices(agent: User) -> None:
    merged = inbox_tickets(user=agent, filters=InboxFilters(status="open,pending"))
    with pytest.raises(TypeError):
        merged[3]  # type: ignore[index]
    with pytest.raises(TypeError):
        merged[0:10:2]
    with pytest.raises(TypeError):
        merged[10:]


@pytest.mark.usefixtures("mixed")
def test_inbox_page_and_api_page_through_several_statuses(
    agent: User, client: Client, django_assert_max_num_queries: object
) -> None:
    filters = InboxFilters(status="open,pending")
    expected = ids(inbox_queryset(user=agent, filters=filters))
    page = inbox_page(user=agent, filters=filters, page_number=2)
    assert ids(page.object_list) == expected[50:100]
    assert page.paginator.num_pages == 2

    client.force_login(agent)
    response = client.get("/api/tickets", {"status": "open,pending", "page": 2})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == len(expected)
    assert [item["id"] for item in body["items"]] == expected[50:100]
    # count, one key query per status, the page's tickets, their tags (+ session and user)
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        client.get("/api/tickets", {"status": "open,pending"})
