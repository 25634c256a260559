"""The shipped automations: installed by the migration in a new installation (the SLA breach
escalation on, the apology and coupon off until their template and codes exist), all on in the
demo, and each doing its job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.automations.defaults import DEFAULT_RULES, defaults_install
from afterdesk.automations.demo import automations_demo_load
from afterdesk.automations.models import Coupon, Rule
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.automations.conftest import MakeTicket

pytestmark = pytest.mark.django_db


def test_a_new_installation_has_the_defaults_with_only_the_sensible_ones_on() -> None:
    defaults_install(Rule)
    rules = {rule.default_key: rule.enabled for rule in Rule.objects.all()}
    assert rules == {
        "parcel-stalled-apology": False,
        "complaint-coupon": False,
        "sla-breach-escalation": True,
    }
    assert defaults_install(Rule) == []  # installing again changes nothing
    assert len(DEFAULT_RULES) == 3


def test_the_demo_turns_them_on_and_they_work(
    admin_user: User, agent: User, make_ticket: MakeTicket, django_capture_on_commit_callbacks: Any
) -> None:
    summary = automations_demo_load(admin=admin_user)
    assert summary["codes"] > 0
    assert Rule.objects.filter(enabled=False).count() == 0
    ticket = make_ticket(language="de", order=True, category="damaged")
    services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, by=agent, status="solved")
    coupon = Coupon.objects.get(ticket=ticket)
    reply = TicketEvent.objects.get(ticket=ticket, subtype="reply")
    assert reply.message.body_text.endswith(coupon.code)
    assert "Danke" in reply.message.body_text  # the German variant
    with django_capture_on_commit_callbacks(execute=True):
        services.sla_event_write(
            ticket=ticket,
            kind="sla_breach",
            target="resolution",
            due=timezone.now() - timedelta(minutes=5),
        )
    assert "sla-breached" in Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)
    note = TicketEvent.objects.filter(ticket=ticket, subtype="note").last()
    assert note is not None
    assert "escalated to the team's supervisors" in note.message.body_text
