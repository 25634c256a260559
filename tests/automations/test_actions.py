"""The actions: templated replies in the buyer's language (or a visible failure), notes,
assignment, mail, CSAT surveys and coupons; one firing is all or nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from afterdesk.accounts.models import Team, User
from afterdesk.automations.coupons import codes_add, pool_save
from afterdesk.automations.engine import ticket_trigger
from afterdesk.automations.models import Coupon, Firing, FiringState
from afterdesk.core.errors import ValidationError
from afterdesk.notifications.models import Notification
from afterdesk.replies import services as replies
from afterdesk.replies.models import ReplyTemplate
from afterdesk.surveys.models import Survey, SurveyState
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db


def _fire(ticket: Ticket, trigger: str = "ticket_created", key: str = "k") -> list[Firing]:
    return ticket_trigger(ticket_id=ticket.pk, trigger=trigger, key=key)


def test_an_unknown_variable_fails_the_firing_visibly_and_sends_nothing(
    make_rule: MakeRule, make_ticket: MakeTicket, apology: ReplyTemplate, agent: User
) -> None:
    make_rule(
        "ticket_created",
        [{"type": "tag", "tags": ["apology"]}, {"type": "reply", "template": apology.key}],
        name="Apology",
        send_as="anna",
    )
    ticket = make_ticket()  # no order: order_number has no value
    (firing,) = _fire(ticket)
    assert firing.state == FiringState.FAILED
    assert "order_number has no value" in firing.error
    event = TicketEvent.objects.get(ticket=ticket, kind="automation")
    assert event.fields["error"] == firing.error
    assert event.fields["actions"] == []
    assert not TicketEvent.objects.filter(ticket=ticket, subtype="reply").exists()
    assert not Ticket.objects.get(pk=ticket.pk).tags.exists()  # all or nothing


def test_a_reply_needs_an_agent_to_send_as(
    make_rule: MakeRule, make_ticket: MakeTicket, apology: ReplyTemplate
) -> None:
    make_rule("ticket_created", [{"type": "reply", "template": apology.key}])
    (firing,) = _fire(make_ticket(order=True))
    assert firing.state == FiringState.FAILED
    assert "agent to send as" in firing.error


def test_a_reply_goes_out_as_the_assignee_in_the_buyer_language(
    make_rule: MakeRule, make_ticket: MakeTicket, apology: ReplyTemplate, agent: User
) -> None:
    make_rule("ticket_created", [{"type": "reply", "template": apology.key, "status": "pending"}])
    ticket = make_ticket(language="es-MX", order=True)
    services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    _fire(ticket)
    reply = TicketEvent.objects.get(ticket=ticket, subtype="reply")
    assert reply.fields["agent"] == "anna"
    assert reply.message.body_text.startswith("Hola")
    assert Ticket.objects.get(pk=ticket.pk).status == "pending"


def test_assign_and_set(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User, team: Team
) -> None:
    make_rule(
        "ticket_created",
        [{"type": "assign", "agent": "anna", "team": "EU"}, {"type": "set", "priority": "high"}],
    )
    ticket = make_ticket()
    _fire(ticket)
    current = Ticket.objects.get(pk=ticket.pk)
    assert (current.assignee, current.team, current.priority) == (agent, team, "high")
    event = TicketEvent.objects.get(ticket=ticket, kind="automation")
    assert event.fields["actions"] == ["assigned anna in EU", "set priority high"]


def test_notify_tells_the_supervisors_in_the_app_and_mails_after_commit(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    supervisor: User,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    supervisor.email = "sam@example.com"
    supervisor.save()
    make_rule(
        "ticket_created",
        [
            {
                "type": "notify",
                "to": ["supervisors", "ops@example.com"],
                "subject": "VIP wrote",
                "body": "Look now.",
            }
        ],
    )
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        (firing,) = _fire(ticket)
        assert mail.outbox == []  # nothing before the commit
    # No supervisor of its team: every supervisor and admin (the SLA escalation's list), each
    # with an in-app notification and its own email; the plain address gets the rule's mail.
    told = Notification.objects.filter(kind="automation").order_by("recipient__username")
    assert [n.recipient for n in told] == [admin_user, supervisor]
    assert told[0].title == f"VIP wrote (#{ticket.pk})"
    assert told[0].url == f"/tickets/{ticket.pk}/"
    assert "Look now." in told[0].body
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada@example.com",
        "ops@example.com",
        "sam@example.com",
    ]
    (rule_mail,) = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert rule_mail.subject == f"[Afterdesk] VIP wrote (#{ticket.pk})"
    assert "Look now." in rule_mail.body
    assert firing.actions == ["notified ada, sam, ops@example.com"]


def test_notify_the_assignee_once_per_firing(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User
) -> None:
    make_rule("ticket_created", [{"type": "notify", "to": "assignee", "subject": "New one"}])
    ticket = make_ticket()
    services.ticket_assign(ticket=ticket, by=agent, agent=agent)
    _fire(ticket)
    _fire(ticket)  # the same occasion again (a retried task): one firing, one notification
    assert Notification.objects.get().recipient == agent


def test_notify_without_anyone_fails_visibly(make_rule: MakeRule, make_ticket: MakeTicket) -> None:
    make_rule("ticket_created", [{"type": "notify", "to": "assignee", "subject": "New one"}])
    (firing,) = _fire(make_ticket())
    assert firing.state == FiringState.FAILED
    assert "nobody to notify" in firing.error
    assert not Notification.objects.exists()


def test_a_survey_is_scheduled_for_the_solve(
    make_rule: MakeRule, make_ticket: MakeTicket, agent: User
) -> None:
    make_rule(
        "status_changed",
        [{"type": "survey", "delay_hours": 2}],
        conditions={"statuses": ["solved"]},
    )
    ticket = make_ticket(order=True)
    services.ticket_set_status(ticket=ticket, by=agent, status="solved")
    _fire(ticket, "status_changed")
    survey = Survey.objects.get(ticket=ticket)
    assert survey.state == SurveyState.SCHEDULED
    assert survey.next_attempt_at is not None


def test_a_survey_on_an_open_ticket_fails_visibly(
    make_rule: MakeRule, make_ticket: MakeTicket
) -> None:
    make_rule("ticket_created", [{"type": "survey"}])
    (firing,) = _fire(make_ticket(order=True))
    assert firing.state == FiringState.FAILED
    assert "not solved" in firing.error


def test_a_coupon_is_handed_out_once_and_an_empty_pool_fails(
    make_rule: MakeRule, make_ticket: MakeTicket, admin_user: User, agent: User
) -> None:
    pool = pool_save(by=admin_user, name="thanks")
    assert codes_add(by=admin_user, pool=pool, codes=["THX-1", "THX-2", "THX-1", " "]) == 2
    thanks = replies.template_save(
        by=admin_user,
        key="thanks",
        name="Thanks",
        default_language="en",
        variants=[replies.VariantIn(language="en", body="Thank you, {{ buyer_name }}! A code:")],
    )
    make_rule(
        "ticket_created",
        [{"type": "coupon", "pool": "thanks", "template": thanks.key}],
        send_as="anna",
    )
    tickets = [make_ticket(order=True) for _ in range(3)]
    states = [_fire(t)[0].state for t in tickets]
    assert states == [FiringState.DONE, FiringState.DONE, FiringState.FAILED]
    issued = dict(Coupon.objects.values_list("code", "ticket_id"))
    assert issued == {"THX-1": tickets[0].pk, "THX-2": tickets[1].pk}
    reply = TicketEvent.objects.get(ticket=tickets[0], subtype="reply")
    assert reply.message.body_text.endswith("A code:\n\nTHX-1")
    assert "no code left" in Firing.objects.get(ticket=tickets[2]).error


def test_a_bad_rule_is_refused_naming_the_field(make_rule: MakeRule) -> None:
    with pytest.raises(ValidationError) as error:
        make_rule("ticket_created", [{"type": "reply", "template": "nope"}])
    assert error.value.field == "actions.template"
    with pytest.raises(ValidationError) as error:
        make_rule("ticket_created", [{"type": "tag", "tags": ["x"]}], conditions={"colour": ["x"]})
    assert error.value.field == "colour"
    with pytest.raises(ValidationError) as error:
        make_rule("time", [{"type": "tag", "tags": ["x"]}], time_status="pending")
    assert error.value.field == "time_hours"


def test_a_reply_on_a_closed_ticket_undoes_the_whole_firing(
    make_rule: MakeRule, make_ticket: MakeTicket, apology: ReplyTemplate, agent: User
) -> None:
    """The failure comes after the fields were written: they are rolled back too."""
    make_rule(
        "status_changed",
        [{"type": "set", "priority": "urgent"}, {"type": "reply", "template": apology.key}],
        send_as="anna",
    )
    ticket = make_ticket(order=True)
    services.ticket_set_status(ticket=ticket, by=agent, status="closed")
    (firing,) = _fire(ticket, "status_changed")
    assert firing.state == FiringState.FAILED
    assert firing.actions == []
    assert "closed" in firing.error
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    assert not TicketEvent.objects.filter(ticket=ticket, subtype="reply").exists()
