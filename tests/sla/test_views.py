"""The SLA pages: supervisors read the policies, admins edit them; the ticket page's SLA card
and its "no response needed" button."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.sla.models import Policy, TicketSla
from afterdesk.tickets import services
from afterdesk.tickets.models import TicketEvent
from tests.factories import T0

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Chat",
    "position": "5",
    "enabled": "on",
    "channels": "chat, email",
    "hours": "calendar",
    "calendar": "",
    "pause_statuses": ["pending"],
    "warning_minutes": "10",
    "t_normal_first_reply": "30",
    "t_urgent_resolution": "600",
}


def test_supervisors_read_the_policies_agents_do_not(
    client: Client, supervisor: User, agent: User
) -> None:
    client.force_login(supervisor)
    page = client.get(reverse("sla:policies"))
    assert page.status_code == 200
    assert "Marketplace: Amazon buyer messages within 24 hours" in page.content.decode()
    assert client.get(reverse("sla:new")).status_code == 403
    client.force_login(agent)
    assert client.get(reverse("sla:policies")).status_code == 403


def test_admins_create_and_edit_a_policy(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    assert client.get(reverse("sla:new")).status_code == 200
    response = client.post(reverse("sla:new"), FORM)
    assert response.status_code == 302
    policy = Policy.objects.get(name="Chat")
    assert policy.channels == ["chat", "email"]
    assert policy.pause_statuses == ["pending"]
    assert policy.targets == {"normal": {"first_reply": 30}, "urgent": {"resolution": 600}}
    edit = client.get(reverse("sla:edit", args=[policy.pk]))
    assert 'value="chat, email"' in edit.content.decode()
    response = client.post(reverse("sla:edit", args=[policy.pk]), {**FORM, "enabled": ""})
    assert response.status_code == 302
    assert Policy.objects.get(pk=policy.pk).enabled is False


def test_a_refused_policy_keeps_the_form_and_says_why(client: Client, admin_user: User) -> None:
    client.force_login(admin_user)
    response = client.post(reverse("sla:new"), {**FORM, "priorities": "top"})
    assert response.status_code == 422
    assert "priorities: unknown &#x27;top&#x27;" in response.content.decode()
    assert not Policy.objects.filter(name="Chat").exists()


def test_the_ticket_page_shows_the_deadline_and_no_response_needed_stops_it(
    client: Client, agent: User
) -> None:
    ticket = services.ticket_create(
        subject="Hi", channel="marketplace", platform="amazon", body="?", at=T0
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    client.force_login(agent)
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert 'id="sla-panel"' in page
    assert "First reply" in page
    assert "2026-10-02T08:00:00+00:00" in page  # the deadline, 24 calendar hours later
    assert "Breached" in page  # T0 is long past
    response = client.post(reverse("sla:no_reply", args=[ticket.pk]))
    assert response.status_code == 302
    assert TicketEvent.objects.filter(ticket=ticket, kind="no_reply").count() == 1
    page = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    assert "Anna: no response needed" in page
    assert TicketSla.objects.get(ticket=ticket).first_reply_due is None


def test_no_response_needed_is_404_for_a_ticket_the_user_may_not_see(
    client: Client, other_agent: User, agent: User
) -> None:
    ticket = services.ticket_create(
        subject="Hi", channel="marketplace", platform="amazon", body="?", at=T0
    )
    services.ticket_assign(ticket=ticket, by=agent, agent=agent, at=T0)
    client.force_login(other_agent)
    assert client.post(reverse("sla:no_reply", args=[ticket.pk])).status_code == 404
    assert not TicketEvent.objects.filter(kind="no_reply").exists()


def test_the_pages_speak_chinese(client: Client, supervisor: User) -> None:
    client.force_login(supervisor)
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("sla:policies")).content.decode()
    assert "SLA 策略" in body
    assert "策略按顺序尝试" in body


def test_a_policys_conditions_and_pause_statuses_are_named(
    client: Client, admin_user: User
) -> None:
    client.force_login(admin_user)
    assert client.post(reverse("sla:new"), FORM).status_code == 302
    client.cookies["django_language"] = "zh-hans"
    body = client.get(reverse("sla:policies")).content.decode()
    assert "待回复" in body  # the pause status "pending", by its label
    assert "邮件" in body or "电子邮件" in body  # the channel "email"
    assert ">pending<" not in body
    assert "chat, email" not in body
