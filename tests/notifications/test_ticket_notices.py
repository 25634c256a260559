"""What the ticket actions tell people: @mentions in internal notes and escalations to a team
or a person (docs/notifications.md, "Mentions" and "Escalations"), through the pages, the API
and the services; mentions highlighted in the conversation."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from afterdesk.accounts.models import Role, Team, User
from afterdesk.notifications.mentions import mentions_find, mentions_highlight
from afterdesk.notifications.models import Notification
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.api.conftest import ApiClient
from tests.factories import T0, TeamFactory, TicketFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
OnCommit = Callable[..., AbstractContextManager[list[Callable[[], object]]]]
ApiAs = Callable[[User | None], ApiClient]


@pytest.fixture
def ticket(team: Team) -> Ticket:
    made = services.ticket_create(
        subject="Parcel never arrived", channel="email", body="Where is it?", at=T0
    )
    made.team = team
    made.save(update_fields=["team"])
    return made


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("@anna please check", ["anna"]),
        ("cc @anna, @Bo.Li and @anna.", ["anna", "Bo.Li"]),
        ("mail anna@example.com or @@x", []),
        ("(@sam) and line\n@quinn-", ["sam", "quinn"]),
        ("no mention @ here", []),
    ],
)
def test_mentions_find(text: str, names: list[str]) -> None:
    assert mentions_find(text) == names


def test_mentions_highlight_escapes_first() -> None:
    html = mentions_highlight('<b>hi</b> @anna.\n"@bo" a@b.c')
    assert str(html) == (
        '&lt;b&gt;hi&lt;/b&gt; <span class="mention">@anna</span>.<br>'
        '&quot;<span class="mention">@bo</span>&quot; a@b.c'
    )


def test_a_note_notifies_mentioned_colleagues_who_may_see_the_ticket(
    ticket: Ticket,
    agent: User,
    other_agent: User,
    supervisor: User,
    qa_reviewer: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        event = services.note_add(
            ticket=ticket,
            by=agent,
            body="@SAM can we refund? @bo @quinn @anna @nobody mail x@sam.com",
        )
    told = Notification.objects.order_by("recipient__username")
    # sam (supervisor, any case), quinn (QA in the team); bo cannot see it, anna wrote it
    assert [n.recipient.username for n in told] == ["quinn", "sam"]
    first = told[1]
    assert first.kind == "mention"
    assert first.title == f"Anna mentioned you on ticket #{ticket.pk}: Parcel never arrived"
    assert first.url == f"/tickets/{ticket.pk}/#message-{event.message.pk}"
    assert first.ticket_id == ticket.pk
    assert first.actor == agent
    assert "can we refund?" in first.body
    assert sorted(m.to[0] for m in mail.outbox) == [qa_reviewer.email, supervisor.email]
    assert other_agent.notifications.count() == 0


def test_the_note_page_and_api_notify_and_highlight(
    ticket: Ticket, agent: User, supervisor: User, api_as: ApiAs
) -> None:
    client = signed_in(agent)
    url = reverse("tickets:note", args=[ticket.pk])
    response = client.post(url, {"body": "Over to you @sam <script>"}, **HTMX)
    assert response.status_code == 200
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert '<span class="mention">@sam</span> &lt;script&gt;' in page
    assert "Type @username to notify a colleague." in page
    response = api_as(agent).post(f"/api/tickets/{ticket.pk}/notes", {"body": "and @sam again"})
    assert response.status_code == 201
    assert supervisor.notifications.count() == 2  # one per note


def test_a_refused_note_notifies_nobody(ticket: Ticket, agent: User, supervisor: User) -> None:
    response = signed_in(agent).post(
        reverse("tickets:note", args=[ticket.pk]), {"body": "@sam " + "x" * 200_000}, **HTMX
    )
    assert response.status_code == 422
    assert not Notification.objects.exists()


@pytest.mark.usefixtures("supervisor")
def test_a_mention_costs_four_queries(
    ticket: Ticket,
    agent: User,
    django_assert_num_queries: Callable[[int], AbstractContextManager[object]],
) -> None:
    services.note_add(ticket=ticket, by=agent, body="warm up")
    with CaptureQueriesContext(connection) as counted:
        services.note_add(ticket=ticket, by=agent, body="plain")
    plain = len(counted.captured_queries)
    with django_assert_num_queries(plain + 4):  # the people, told already, choices, insert
        services.note_add(ticket=ticket, by=agent, body="@sam hi")


def test_escalate_form_lists_teams_and_people_and_notifies_a_person(
    ticket: Ticket, agent: User, team: Team, django_capture_on_commit_callbacks: OnCommit
) -> None:
    lead = UserFactory(username="lead", display_name="Lead", role=Role.SUPERVISOR)
    client = signed_in(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert f'<option value="team:{team.pk}">EU</option>' in page
    assert f'<option value="user:{lead.pk}">Lead</option>' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:escalate", args=[ticket.pk]),
            {"to": f"user:{lead.pk}", "reason": "chargeback threat"},
            **HTMX,
        )
    assert response.status_code == 200
    event = TicketEvent.objects.get(ticket=ticket, kind="escalate")
    assert event.fields == {"agent": "anna", "to": "lead", "reason": "chargeback threat"}
    told = Notification.objects.get()
    assert told.recipient == lead
    assert told.kind == "escalation"
    assert told.title == f"Anna escalated ticket #{ticket.pk} to you: Parcel never arrived"
    assert told.body == "chargeback threat"
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_escalate_to_a_team_notifies_its_supervisors_else_its_members(
    ticket: Ticket, agent: User, team: Team, supervisor: User
) -> None:
    logistics = TeamFactory(name="logistics")
    lead = UserFactory(username="lead", role=Role.SUPERVISOR, teams=[logistics])
    UserFactory(username="packer", teams=[logistics])  # cannot see an EU ticket
    services.ticket_escalate(ticket=ticket, by=agent, reason="lost", to_team=logistics)
    assert [n.recipient for n in Notification.objects.all()] == [lead]
    assert TicketEvent.objects.get(kind="escalate").fields["to"] == "logistics"
    # The ticket's own team without a supervisor: its members who may see it (not the author)
    bo = UserFactory(username="bob", teams=[team])
    services.ticket_escalate(ticket=ticket, by=agent, reason="again", to_team=team)
    assert list(Notification.objects.filter(kind="escalation", recipient=bo)) != []
    # A team nobody can act in: every supervisor and admin
    empty = TeamFactory(name="empty")
    services.ticket_escalate(ticket=ticket, by=agent, reason="third", to_team=empty)
    assert Notification.objects.filter(recipient=supervisor).count() == 1


def test_escalate_to_someone_who_cannot_see_it_is_refused(
    ticket: Ticket, agent: User, other_agent: User
) -> None:
    client = signed_in(agent)
    response = client.post(
        reverse("tickets:escalate", args=[ticket.pk]), {"to": f"user:{other_agent.pk}"}, **HTMX
    )
    assert response.status_code == 422
    assert "bo cannot see this ticket" in response.content.decode()
    response = client.post(reverse("tickets:escalate", args=[ticket.pk]), {"to": "user:0"}, **HTMX)
    assert response.status_code == 422
    assert not TicketEvent.objects.filter(kind="escalate").exists()
    assert not Notification.objects.exists()


def test_escalate_api_by_agent_or_team(
    ticket: Ticket, agent: User, supervisor: User, team: Team, api_as: ApiAs
) -> None:
    api = api_as(agent)
    url = f"/api/tickets/{ticket.pk}/escalate"
    assert api.post(url, {"agent": "sam", "reason": "vip"}).status_code == 200
    assert supervisor.notifications.get().kind == "escalation"
    assert api.post(url, {"team": "EU"}).status_code == 200
    assert api.post(url, {"to": "tier2"}).status_code == 200  # free text: nobody told
    assert Notification.objects.count() == 2  # sam again (EU has no supervisor: all of them)
    bad = api.post(url, {"agent": "nobody"})
    assert bad.status_code == 422
    assert bad.json()["field"] == "agent"
    assert api.post(url, {"agent": "sam", "team": "EU"}).status_code == 422
    assert api.post(url, {"team": "nope"}).json()["field"] == "team"


def test_a_retried_escalation_notifies_once(ticket: Ticket, agent: User, supervisor: User) -> None:
    for _ in range(2):
        services.ticket_escalate(ticket=ticket, by=agent, to_user=supervisor, at=T0)
    assert TicketEvent.objects.filter(kind="escalate").count() == 1
    assert Notification.objects.count() == 1


def test_ticket_factory_team_escalation_without_anyone(agent: User) -> None:
    bare = TicketFactory(team=None)
    services.ticket_escalate(ticket=bare, by=agent, to_team=TeamFactory(name="x"))
    assert not Notification.objects.exists()  # no supervisor or admin at all
