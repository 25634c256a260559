"""Time rules fire once per ticket and qualifying period however often the periodic task
runs; the dry run lists what a rule would touch and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.automations.models import Firing
from afterdesk.automations.tasks import automations_time_periodic
from afterdesk.automations.timerules import dry_run, time_rules_run
from afterdesk.replies import services as replies
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db


@pytest.fixture
def closing(admin_user: User) -> None:
    replies.template_save(
        by=admin_user,
        key="closing",
        name="Closing",
        default_language="en",
        variants=[replies.VariantIn(language="en", body="We close this case for now.")],
    )


def test_pending_72_hours_without_a_buyer_reply_solves_with_a_template_once(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User, closing: None
) -> None:
    rule = make_rule(
        "time",
        [{"type": "reply", "template": "closing", "status": "solved"}],
        name="Pending 72 h",
        time_status="pending",
        time_hours=72,
        time_without_buyer_reply=True,
        send_as="anna",
    )
    now = timezone.now()
    old = make_ticket(at=now - timedelta(days=5))
    services.ticket_set_status(ticket=old, by=agent, status="pending", at=now - timedelta(days=4))
    fresh = make_ticket(at=now - timedelta(days=5))
    services.ticket_set_status(
        ticket=fresh, by=agent, status="pending", at=now - timedelta(hours=5)
    )
    total, lines = dry_run(rule, now)
    assert total == 1
    assert [line.ticket_id for line in lines] == [old.pk]
    assert Firing.objects.count() == 0  # the dry run wrote nothing

    assert automations_time_periodic.call_local() == 1
    assert automations_time_periodic.call_local() == 0  # the periodic task twice: once
    assert len(time_rules_run(now + timedelta(hours=1))) == 0
    assert Ticket.objects.get(pk=old.pk).status == "solved"
    assert Ticket.objects.get(pk=fresh.pk).status == "pending"
    assert TicketEvent.objects.filter(ticket=old, subtype="reply").count() == 1
    assert dry_run(rule, now)[0] == 0


def test_a_buyer_reply_keeps_the_ticket_out_and_a_new_period_fires_again(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User
) -> None:
    make_rule(
        "time",
        [{"type": "tag", "tags": ["stale"]}],
        time_status="on_hold",
        time_hours=24,
        time_without_buyer_reply=True,
        max_per_ticket=5,
    )
    now = timezone.now()
    ticket = make_ticket(at=now - timedelta(days=10))
    services.ticket_set_status(
        ticket=ticket, by=agent, status="on_hold", at=now - timedelta(days=9)
    )
    services.message_ingest(ticket=ticket, body="still waiting", at=now - timedelta(days=8))
    # The buyer wrote while it was on hold: no firing for that period.
    assert time_rules_run(now - timedelta(days=7)) == []
    services.ticket_set_status(ticket=ticket, by=agent, status="open", at=now - timedelta(days=8))
    services.ticket_set_status(
        ticket=ticket, by=agent, status="on_hold", at=now - timedelta(days=8) + timedelta(hours=1)
    )
    assert len(time_rules_run(now - timedelta(days=6))) == 1
    assert len(time_rules_run(now - timedelta(days=5))) == 0
    services.ticket_set_status(ticket=ticket, by=agent, status="open", at=now - timedelta(days=3))
    services.ticket_set_status(
        ticket=ticket, by=agent, status="on_hold", at=now - timedelta(days=2)
    )
    assert len(time_rules_run(now)) == 1  # a new period
    assert Firing.objects.count() == 2


def test_solved_for_24_hours_with_conditions(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User
) -> None:
    make_rule(
        "time",
        [{"type": "set", "status": "closed"}],
        time_status="solved",
        time_hours=24,
        conditions={"languages": ["de"]},
    )
    now = timezone.now()
    german = make_ticket(language="de", at=now - timedelta(days=3))
    english = make_ticket(language="en", at=now - timedelta(days=3))
    for ticket in (german, english):
        services.ticket_set_status(
            ticket=ticket, by=agent, status="solved", at=now - timedelta(days=2)
        )
    time_rules_run(now)
    assert Ticket.objects.get(pk=german.pk).status == "closed"
    assert Ticket.objects.get(pk=english.pk).status == "solved"


def test_the_dry_run_of_an_event_rule_lists_the_open_tickets_its_conditions_match(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User
) -> None:
    rule = make_rule(
        "message_received",
        [{"type": "tag", "tags": ["vip-seen"]}],
        conditions={"vip": True, "order_value_min": "100"},
    )
    vip = make_ticket(order_value="250", tags=["VIP"])
    make_ticket(order_value="50", tags=["vip"])  # too small an order
    make_ticket(order_value="500")  # not VIP
    closed = make_ticket(order_value="300", tags=["vip"])
    services.ticket_set_status(ticket=closed, by=agent, status="closed")
    total, lines = dry_run(rule)
    assert total == 1
    assert [line.ticket_id for line in lines] == [vip.pk]
