"""Routing approvals: a refund or credit waiting for approval notifies the supervisors (of the
ticket's team, else all of them and the admins), and the decision notifies the agent who asked
(docs/notifications.md, "Approvals")."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Role, Team, User
from afterdesk.notifications.models import Notification
from afterdesk.routing.approvals import approval_decide, approval_request_create
from tests.factories import TicketFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_waiting_refund_notifies_the_teams_supervisor_and_the_decision_the_agent(
    agent: User, team: Team, supervisor: User, django_capture_on_commit_callbacks: object
) -> None:
    lead = UserFactory(username="lead", display_name="Lead", role=Role.SUPERVISOR, teams=[team])
    ticket = TicketFactory(team=team)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        request = approval_request_create(
            by=agent, kind="refund", amount="80", currency="EUR", ticket=ticket, note="damaged"
        )
    told = Notification.objects.get()
    assert told.recipient == lead  # the ticket's team has a supervisor: not sam
    assert told.kind == "approval"
    assert told.title == f"Anna asks to approve a refund of 80.00 EUR on ticket #{ticket.pk}"
    assert told.body == "damaged"
    assert told.url == reverse("routing:approvals")
    assert [m.to for m in mail.outbox] == [[lead.email]]

    approval_decide(by=lead, request_id=request.pk, approve=False, note="photos first")
    answer = Notification.objects.get(recipient=agent)
    assert answer.kind == "approval_decided"
    assert answer.title == "Lead denied your refund of 80.00 EUR"
    assert answer.body == "photos first"


def test_without_a_ticket_every_supervisor_and_admin_is_told(
    agent: User, supervisor: User, admin_user: User
) -> None:
    approval_request_create(by=agent, kind="credit", amount="20", currency="USD")
    assert {n.recipient for n in Notification.objects.all()} == {supervisor, admin_user}


def test_the_approvals_page_decision_notifies_the_agent(agent: User, supervisor: User) -> None:
    request = approval_request_create(by=agent, kind="refund", amount="80", currency="EUR")
    client = Client()
    client.force_login(supervisor)
    response = client.post(
        reverse("routing:approvals"), {"request": request.pk, "decision": "approve"}
    )
    assert response.status_code in (200, 302)
    assert Notification.objects.get(recipient=agent).title == (
        "Sam approved your refund of 80.00 EUR"
    )


def test_an_api_request_notifies(agent: User, supervisor: User, api_as: object) -> None:
    api = api_as(agent)  # type: ignore[operator]
    response = api.post(
        "/api/routing/approvals", {"kind": "refund", "amount": "80", "currency": "EUR"}
    )
    assert response.status_code in (200, 201)
    assert Notification.objects.get().recipient == supervisor
