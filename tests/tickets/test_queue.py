"""The inbox as a work queue (afterdesk/tickets/queue*.py): views, sorts, row facts, "next
ticket", the filters carried to the ticket page and back, bulk actions, saved views."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.sla.models import TicketSla
from afterdesk.tickets import services
from afterdesk.tickets.models import SavedView, Status, Ticket, TicketEvent
from tests.factories import StoreFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SUBJECT = re.compile(r'class="subject">\s*<a [^>]*href="/tickets/\d+/[^"]*"[^>]*>([^<]+)</a>')


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def subjects(client: Client, query: dict[str, str] | None = None) -> list[str]:
    response = client.get(reverse("tickets:inbox"), query or {}, **HTMX)
    assert response.status_code == 200
    return SUBJECT.findall(response.content.decode())


def due(ticket: Ticket, minutes: int, *, paused: bool = False) -> None:
    TicketSla.objects.create(
        ticket=ticket,
        first_reply_due=timezone.now() + timedelta(minutes=minutes),
        resolution_due=timezone.now() + timedelta(days=3),
        paused=paused,
        computed_at=timezone.now(),
    )


@pytest.fixture
def queue(agent: User, other_agent: User, team: Team, other_team: Team) -> dict[str, Ticket]:
    """Tickets of each kind the views tell apart."""
    return {
        "mine": TicketFactory(subject="mine", team=team, assignee=agent, status=Status.OPEN),
        "mine solved": TicketFactory(
            subject="mine solved", team=team, assignee=agent, status=Status.SOLVED
        ),
        "loose": TicketFactory(subject="loose", team=team, status=Status.NEW),
        "waiting": TicketFactory(
            subject="waiting", team=team, assignee=agent, status=Status.PENDING
        ),
        "colleague": TicketFactory(
            subject="colleague", team=team, assignee=UserFactory(teams=[team]), status="open"
        ),
        "elsewhere": TicketFactory(subject="elsewhere", team=other_team, status=Status.NEW),
    }


def test_an_agent_starts_on_their_own_unsolved_tickets(
    client: Client, agent: User, supervisor: User, queue: dict[str, Ticket]
) -> None:
    assert sorted(subjects(login(client, agent))) == ["mine", "waiting"]
    everyone = sorted(subjects(login(Client(), supervisor)))
    assert everyone == sorted(queue)  # supervisors start on every ticket


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("mine", ["mine", "waiting"]),
        ("unassigned", ["loose"]),
        ("team", ["colleague", "loose", "mine", "waiting"]),
        ("waiting", ["waiting"]),
        ("all", ["colleague", "loose", "mine", "mine solved", "waiting"]),
        ("bogus", ["mine", "waiting"]),  # an unknown view falls back to the default
    ],
)
def test_views(
    client: Client, agent: User, queue: dict[str, Ticket], view: str, expected: list[str]
) -> None:
    assert sorted(subjects(login(client, agent), {"view": view})) == expected


def test_a_search_without_a_view_looks_through_every_visible_ticket(
    client: Client, agent: User, queue: dict[str, Ticket]
) -> None:
    login(client, agent)
    assert subjects(client, {"q": "loose"}) == ["loose"]  # not the agent's: found anyway
    assert subjects(client, {"q": "loose", "view": "mine"}) == []  # a named view still holds
    assert subjects(client, {"q": "elsewhere"}) == []  # another team's stays hidden


def test_explicit_filters_win_over_the_view(
    client: Client, agent: User, queue: dict[str, Ticket]
) -> None:
    login(client, agent)
    assert subjects(client, {"view": "mine", "status": "solved"}) == ["mine solved"]
    queue["loose"].store = StoreFactory(name="Linen & Co")
    queue["loose"].save()
    query = {"view": "all", "store": str(queue["loose"].store_id)}
    assert subjects(client, query) == ["loose"]


def test_breaching_soon_and_the_sla_order(
    client: Client, agent: User, team: Team, queue: dict[str, Ticket]
) -> None:
    due(queue["mine"], 30)
    due(queue["loose"], -10)  # already overdue
    due(queue["colleague"], 24 * 60)  # not soon
    due(queue["waiting"], 5, paused=True)  # a paused clock is no deadline
    login(client, agent)
    assert subjects(client, {"view": "breaching"}) == ["loose", "mine"]
    body = client.get(reverse("tickets:inbox"), {"view": "breaching"}, **HTMX).content.decode()
    assert "overdue 10" in body
    assert re.search(r"in (29|30)\xa0minutes", body)
    ordered = subjects(client, {"view": "team", "sort": "due"})
    assert ordered == ["loose", "mine", "colleague", "waiting"]  # no deadline last


def test_waiting_column_stale_flag_risk_and_language_badges(
    client: Client, agent: User, team: Team
) -> None:
    old = services.ticket_create(
        subject="old question",
        channel="email",
        body="Hello?",
        language="de",
        at=timezone.now() - timedelta(days=2),
        triage={
            "language": "de",
            "issue_type": "damaged",
            "risk": 60,
            "risk_flags": ["chargeback"],
            "priority": "high",
            "reason": "test",
        },
    )
    fresh = services.ticket_create(subject="fresh question", channel="email", body="Hi")
    answered = services.ticket_create(subject="answered", channel="email", body="Hi")
    services.message_reply(ticket=answered, by=agent, body="Hello!")
    Ticket.objects.filter(pk__in=[old.pk, fresh.pk, answered.pk]).update(team=team)
    login(client, agent)
    body = client.get(reverse("tickets:inbox"), {"view": "all"}, **HTMX).content.decode()
    rows = dict(re.findall(r'data-ticket="(\d+)">(.*?)</tr>', body, re.S))
    assert 'class="stale"' in rows[str(old.pk)]
    assert "2\xa0days" in rows[str(old.pk)]
    assert "risk 60" in rows[str(old.pk)]
    assert 'class="badge lang"' in rows[str(old.pk)]
    assert 'class="stale"' not in rows[str(fresh.pk)]
    assert "<time" in rows[str(fresh.pk)].split('class="waiting"')[1].split("</td>")[0]
    waiting_cell = rows[str(answered.pk)].split('class="waiting"')[1].split("</td>")[0]
    assert "—" in waiting_cell  # answered: nobody waits on the desk
    assert subjects(client, {"view": "all", "sort": "waiting"})[:2] == [
        "old question",
        "fresh question",
    ]


def test_next_ticket_opens_the_most_urgent_and_keeps_the_filters(
    client: Client, agent: User, queue: dict[str, Ticket]
) -> None:
    due(queue["mine"], 90)
    due(queue["loose"], 20)
    login(client, agent)
    response = client.get(reverse("tickets:next"), {"view": "team"})
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{queue['loose'].pk}/?inbox=view%3Dteam"
    # The ticket page's "← Inbox" comes back to the same list.
    page = client.get(response["Location"]).content.decode()
    assert 'id="back-to-inbox" href="/?view=team"' in page
    # Nothing waits for an answer in "waiting on buyer": back to the list, with a message.
    response = client.get(reverse("tickets:next"), {"view": "waiting"}, follow=True)
    assert response.redirect_chain == [("/?view=waiting", 302)]
    assert "Nothing in this view waits for an answer." in response.content.decode()


def test_the_back_link_carries_only_the_inbox_keys(
    client: Client, agent: User, queue: dict[str, Ticket]
) -> None:
    login(client, agent)
    carried = quote("view=all&channel=chat&next=//evil.example&page=3", safe="")
    page = client.get(f"/tickets/{queue['mine'].pk}/?inbox={carried}").content.decode()
    assert 'id="back-to-inbox" href="/?view=all&amp;channel=chat"' in page
    plain = client.get(f"/tickets/{queue['mine'].pk}/").content.decode()
    assert 'id="back-to-inbox" href="/"' in plain
    # The list's links carry the filters.
    body = client.get(reverse("tickets:inbox"), {"view": "all", "channel": "email"}).content
    assert f'href="/tickets/{queue["mine"].pk}/?inbox=view%3Dall%26channel%3Demail"' in (
        body.decode()
    )


def test_bulk_assign_status_and_tag(
    client: Client, agent: User, team: Team, queue: dict[str, Ticket], other_agent: User
) -> None:
    login(client, agent)
    picked = [queue["loose"].pk, queue["colleague"].pk, queue["elsewhere"].pk]
    data = {"ticket": picked, "action": "assign", "agent": "anna", "inbox": "view=team"}
    response = client.post(reverse("tickets:bulk"), data, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 tickets changed." in body
    assert "1 ticket(s) not found" in body  # another team's ticket is not revealed
    assert Ticket.objects.get(pk=queue["loose"].pk).assignee == agent
    assert Ticket.objects.get(pk=queue["elsewhere"].pk).assignee is None
    assert TicketEvent.objects.filter(kind="assign", ticket_id__in=picked).count() == 2
    assert sorted(SUBJECT.findall(body)) == ["colleague", "loose", "mine", "waiting"]

    data = {"ticket": [queue["loose"].pk], "action": "status", "status": "pending"}
    client.post(reverse("tickets:bulk"), data, **HTMX)
    assert Ticket.objects.get(pk=queue["loose"].pk).status == "pending"
    data = {"ticket": [queue["loose"].pk, queue["mine"].pk], "action": "tag", "tag": "VIP "}
    client.post(reverse("tickets:bulk"), data, **HTMX)
    assert list(queue["mine"].tags.values_list("name", flat=True)) == ["vip"]
    # Without htmx: back to the list with the result as a message.
    data = {"ticket": [queue["mine"].pk], "action": "status", "status": "solved"}
    data["inbox"] = "view=all"
    response = client.post(reverse("tickets:bulk"), data, follow=True)
    assert response.redirect_chain == [("/?view=all", 302)]
    assert "1 ticket changed." in response.content.decode()
    assert Ticket.objects.get(pk=queue["mine"].pk).status == "solved"


def test_bulk_refuses_incomplete_input_with_422(client: Client, agent: User) -> None:
    login(client, agent)
    for data in (
        {"action": "assign"},
        {"ticket": ["1"], "action": "status"},
        {"ticket": ["1"], "action": "tag", "tag": " "},
        {"ticket": ["1"], "action": "merge"},
        {"ticket": ["x"], "action": "assign"},
        {"ticket": ["1"], "action": "explode"},
    ):
        assert client.post(reverse("tickets:bulk"), data, **HTMX).status_code == 422, data


def test_bulk_merge_closes_the_duplicates_with_notes(
    client: Client, agent: User, team: Team
) -> None:
    kept = services.ticket_create(subject="Parcel late", channel="email", body="Where?")
    copy = services.ticket_create(subject="Parcel late!!", channel="email", body="Where??")
    services.ticket_set_tags(ticket=copy, tags=["angry"])
    Ticket.objects.filter(pk__in=[kept.pk, copy.pk]).update(team=team)
    login(client, agent)
    data = {"ticket": [kept.pk, copy.pk], "action": "merge"}
    response = client.post(reverse("tickets:bulk"), data, **HTMX)
    assert "1 ticket changed." in response.content.decode()
    copy.refresh_from_db()
    assert copy.status == Status.CLOSED
    assert copy.messages.get(kind="note").body_text == f"Merged into #{kept.number}."
    assert kept.messages.get(kind="note").body_text == f"Merged here: #{copy.number}."
    assert list(kept.tags.values_list("name", flat=True)) == ["angry"]
    # Merging into a closed ticket is refused and writes nothing.
    again = {"ticket": [copy.pk, kept.pk], "action": "merge"}
    body = client.post(reverse("tickets:bulk"), again, **HTMX).content.decode()
    assert "is closed: merge into an open ticket" in body
    assert kept.messages.filter(kind="note").count() == 1


def test_saved_views(client: Client, agent: User, other_agent: User) -> None:
    login(client, agent)
    data = {"name": "Chats of EU", "query": "view=team&channel=chat&page=4&junk=1"}
    response = client.post(reverse("tickets:saved_view_create"), data)
    assert response["Location"] == "/?view=team&channel=chat"
    saved = SavedView.objects.get(user=agent)
    assert saved.query == "view=team&channel=chat"
    body = client.get(reverse("tickets:inbox")).content.decode()
    assert ">Chats of EU</a>" in body
    assert 'href="?view=team&amp;channel=chat"' in body
    duplicate = client.post(reverse("tickets:saved_view_create"), data, follow=True)
    assert "You already have a view with this name." in duplicate.content.decode()
    assert SavedView.objects.count() == 1
    # Nobody else sees it or can delete it.
    other = login(Client(), other_agent)
    assert "Chats of EU" not in other.get(reverse("tickets:inbox")).content.decode()
    delete = reverse("tickets:saved_view_delete", args=[saved.pk])
    assert other.post(delete).status_code == 404
    assert client.post(delete).status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    ("query", "most"),
    [
        # session, user, agents, teams, stores, count, page, tags, messages, risk, saved views
        ({"view": "all"}, 11),
        # sorted by SLA deadline: one more, the running tickets probed (DueOrderedTickets)
        ({"view": "team", "sort": "due"}, 12),
        ({"view": "breaching"}, 12),
        ({"view": "all", "sort": "waiting"}, 11),
    ],
)
def test_queue_query_counts_are_pinned(
    client: Client,
    agent: User,
    team: Team,
    django_assert_max_num_queries: object,
    query: dict[str, str],
    most: int,
) -> None:
    for n in range(30):
        ticket = services.ticket_create(subject=f"case {n}", channel="email", body="Hi")
        ticket.team = team
        ticket.save(update_fields=["team"])
        services.ticket_set_tags(ticket=ticket, tags=["vip", f"t{n}"])
        due(ticket, n)
    login(client, agent)
    with django_assert_max_num_queries(most):  # type: ignore[operator]
        response = client.get(reverse("tickets:inbox"), query)
    assert response.content.decode().count('class="priority-') == 30
