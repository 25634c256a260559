"""The triage on the ticket page: each decision in the history with its reason (English and
Chinese), and the "Correct" form (htmx, CSRF) that writes an agent's correction."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from afterdesk.accounts.models import Team, User
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.templatetags.ticket_tags import history_lines
from tests.factories import T0
from tests.tickets.test_query_counts import SIZES, TICKET_QUERIES, rich_ticket

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
AUTOMATIC: dict[str, Any] = {
    "language": "en",
    "issue_type": "damaged",
    "risk": 85,
    "risk_flags": ["chargeback", "bad_review"],
    "priority": "urgent",
    "reason": "issue: matched 'arrived broken' (en) (damaged, score 3); risk: chargeback 60",
}


@pytest.fixture
def ticket(team: Team) -> Ticket:
    ticket = services.ticket_create(
        subject="Broken", channel="email", body="It arrived broken.", at=T0, external_id="T-1"
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    services.ticket_triage_record(ticket=ticket, at=T0, **AUTOMATIC)
    return Ticket.objects.get(pk=ticket.pk)


def _lines(ticket: Ticket) -> list[str]:
    return [text for _event, text in history_lines(ticket.events.all())]


def test_the_history_names_each_decision(ticket: Ticket, agent: User) -> None:
    services.ticket_triage_correct(
        ticket=ticket, by=agent, language="de", issue_type="wrong_item", risk_flags=[]
    )
    assert _lines(ticket)[1:] == [
        "Triage: Damaged · English · risk 85: Chargeback threat, Bad review threat · "
        "priority Urgent",
        "Anna corrected the triage: Wrong item · German · risk 85 · priority Urgent",
    ]
    with translation.override("zh-hans"):
        assert _lines(ticket)[1:] == [
            "分诊：物品损坏 · 英语 · 风险 85: 拒付威胁, 差评威胁 · 优先级 紧急",
            "Anna 更正了分诊：发错货 · 德语 · 风险 85 · 优先级 紧急",
        ]


def test_the_ticket_page_shows_the_decision_with_its_reason_and_the_form(
    client: Client, agent: User, ticket: Ticket
) -> None:
    client.force_login(agent)
    body = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    history = body[body.index('id="history"') :]
    assert 'class="event event-triage"' in history
    assert "Why: issue: matched &#x27;arrived broken&#x27; (en) (damaged, score 3)" in history
    form = body[body.index('id="form-triage"') : body.index("</form>", body.index("form-triage"))]
    assert f'hx-post="{reverse("tickets:triage", args=[ticket.pk])}"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    # the form as the ticket stands: its language, category, priority and latest flags
    assert '<option value="en" selected>' in form
    assert '<option value="damaged" selected>' in form
    assert '<option value="urgent" selected>' in form
    checked = re.findall(
        r'<input type="checkbox" name="risk_flags" value="(\w+)"[^>]*checked', form
    )
    assert checked == ["chargeback", "bad_review"]
    # the header shows the issue types that are not among the inbox's categories
    assert "Damaged" in body[body.index('id="ticket-header"') :]


def test_correcting_over_htmx_writes_an_agents_triage_event(
    client: Client, agent: User, ticket: Ticket
) -> None:
    client.force_login(agent)
    response = client.post(
        reverse("tickets:triage", args=[ticket.pk]),
        {
            "language": "fr",
            "issue_type": "not_received",
            "risk_flags": ["legal"],
            "priority": "high",
            "note": "asks where the parcel is",
        },
        **HTMX,
    )
    assert response.status_code == 200
    event = TicketEvent.objects.filter(kind="triage").latest("id")
    assert event.agent == agent
    assert event.fields == {
        "language": "fr",
        "issue_type": "not_received",
        "risk": 85,
        "risk_flags": ["legal"],
        "priority": "high",
        "reason": "asks where the parcel is",
        "agent": "anna",
    }
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.language, stored.category, stored.priority) == ("fr", "not_received", "high")
    body = response.content.decode()
    assert 'id="form-triage"' in body
    assert 'id="history" class="card history" hx-swap-oob="true"' in body
    assert "Anna corrected the triage: Not received · French" in body
    assert "Why: asks where the parcel is" in body


@pytest.mark.parametrize(
    "data",
    [
        {"language": "fr", "issue_type": "broken", "priority": "high"},
        {"language": "fr", "issue_type": "other", "risk_flags": ["lawsuit"], "priority": "high"},
        {"language": "French!", "issue_type": "other", "priority": "high"},
        {"language": "", "issue_type": "other", "priority": "high"},
        {"language": "fr", "issue_type": "other", "priority": "asap"},
    ],
)
def test_a_bad_correction_is_a_422_and_writes_nothing(
    client: Client, agent: User, ticket: Ticket, data: dict[str, Any]
) -> None:
    client.force_login(agent)
    response = client.post(reverse("tickets:triage", args=[ticket.pk]), data, **HTMX)
    assert response.status_code == 422
    assert 'class="form-errors"' in response.content.decode()
    assert TicketEvent.objects.filter(kind="triage").count() == 1


def test_a_language_the_list_does_not_offer_is_kept(
    client: Client, agent: User, ticket: Ticket
) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(language="cs")
    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert '<option value="cs" selected>cs</option>' in page
    response = client.post(
        reverse("tickets:triage", args=[ticket.pk]),
        {"language": "cs", "issue_type": "other", "priority": "normal"},
        **HTMX,
    )
    assert response.status_code == 200


def test_the_form_needs_csrf_post_and_the_ticket(
    agent: User, other_agent: User, ticket: Ticket
) -> None:
    url = reverse("tickets:triage", args=[ticket.pk])
    data = {"language": "en", "issue_type": "other", "priority": "normal"}
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(agent)
    assert csrf.get(url).status_code == 405
    assert csrf.post(url, data, **HTMX).status_code == 403
    other = Client()
    other.force_login(other_agent)  # another team's ticket does not exist for them
    assert other.post(url, data, **HTMX).status_code == 404
    assert Client().post(url, data).status_code == 302  # to the login page
    assert TicketEvent.objects.filter(kind="triage").count() == 1


@pytest.mark.parametrize("n", SIZES)
def test_the_ticket_page_reads_no_more_with_triage_events(
    client: Client, agent: User, team: Team, django_assert_num_queries: Any, n: int
) -> None:
    ticket = rich_ticket(team, n)
    for i in range(n):
        services.ticket_triage_record(
            ticket=ticket, at=T0 + timedelta(minutes=i), **{**AUTOMATIC, "reason": f"#{i}"}
        )
        services.ticket_triage_correct(
            ticket=Ticket.objects.get(pk=ticket.pk),
            by=agent,
            language="de",
            issue_type="other",
            risk_flags=[],
            note=f"correction {i}",
        )
    client.force_login(agent)
    # the pinned count of tests/tickets/test_query_counts.py::test_ticket_page: the form reads
    # nothing (its choices are fixed, its initial values come from the prefetched events);
    # + the automatic mail of an email ticket, the SLA card, the buyer's other orders and the
    # ticket's return cases, one query each; the escalate form's teams and people (two)
    with django_assert_num_queries(2 + TICKET_QUERIES + 2 + 1 + 1 + 1 + 1 + 1 + 2):
        response = client.get(reverse("tickets:ticket", args=[ticket.pk]))
    body = response.content.decode()
    assert body.count('class="event event-triage"') == 2 * n
    assert f"Why: correction {n - 1}" in body


def test_the_inbox_filters_by_every_issue_type(
    client: Client, agent: User, team: Team, ticket: Ticket
) -> None:
    other = services.ticket_create(subject="Sizes", channel="email", body="Too small.", at=T0)
    other.team = team
    other.save(update_fields=["team"])
    client.force_login(agent)
    query = {"view": "all", "category": "damaged"}  # not the agent's default "mine"
    page = client.get(reverse("tickets:inbox"), query).content.decode()
    assert '<option value="damaged" selected>Damaged</option>' in page
    listed = page[page.index('id="ticket-list"') :]
    assert "Broken" in listed
    assert "Sizes" not in listed
