"""Each trigger starts its rules once the change commits, each firing is an `automation`
event on the ticket, and a rule never loops (docs/automations.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.automations.models import Firing, FiringState
from afterdesk.parcels.services.stalls import stalls_check
from afterdesk.replies.models import ReplyTemplate
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.automations.conftest import MakeRule, MakeTicket

pytestmark = pytest.mark.django_db


def _automations(ticket: Ticket) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind="automation").order_by("id"))


def _tags(ticket: Ticket) -> set[str]:
    return set(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True))


def test_a_new_ticket_fires_its_rule_after_commit_and_the_firing_is_logged(
    make_rule: MakeRule, make_ticket: MakeTicket, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule("ticket_created", [{"type": "tag", "tags": ["Welcome"]}], name="Tag new")
    make_rule("ticket_created", [{"type": "tag", "tags": ["es"]}], conditions={"languages": ["es"]})
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
        assert _automations(ticket) == []  # nothing inside the triggering change
    assert _tags(ticket) == {"welcome"}
    (event,) = _automations(ticket)
    assert event.fields == {
        "rule": "Tag new",
        "trigger": "ticket_created",
        "actions": ["tagged welcome"],
    }
    firing = Firing.objects.get()
    assert (firing.state, firing.event_id, firing.key) == (FiringState.DONE, event.pk, "created")


def test_a_ticket_an_agent_opens_fires_once_as_created(
    make_rule: MakeRule, agent: User, team: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule(
        "ticket_created", [{"type": "tag", "tags": ["phone"]}], conditions={"channels": ["phone"]}
    )
    make_rule("message_received", [{"type": "tag", "tags": ["again"]}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_open(
            by=agent,
            subject="Called about a refund",
            channel="phone",
            body="Buyer called.",
            team=team,
            assignee=agent,
        )
    assert _tags(ticket) == {"phone"}
    assert Firing.objects.count() == 1


def test_a_buyer_message_fires_but_the_first_one_is_the_creation(
    make_rule: MakeRule, make_ticket: MakeTicket, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule("message_received", [{"type": "set", "priority": "high"}])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
    assert Ticket.objects.get(pk=ticket.pk).priority == "normal"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_ingest(ticket=ticket, body="Any news?")
    assert Ticket.objects.get(pk=ticket.pk).priority == "high"
    assert _automations(ticket)[0].fields["trigger"] == "message_received"


def test_a_status_change_fires_with_the_status_as_a_condition(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    make_rule(
        "status_changed",
        [{"type": "note", "body": "Solved: check the refund went out."}],
        conditions={"statuses": ["solved"]},
    )
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, by=agent, status="pending")
    assert _automations(ticket) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, by=agent, status="solved")
    note = TicketEvent.objects.get(ticket=ticket, kind="message", subtype="note")
    assert note.message.body_text == "Solved: check the refund went out."
    assert "agent" not in note.fields  # written by the rule, not by a person


@pytest.mark.parametrize("kind", ["sla_warning", "sla_breach"])
def test_sla_warnings_and_breaches_fire(
    kind: str, make_rule: MakeRule, make_ticket: MakeTicket, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule(kind, [{"type": "set", "priority": "urgent"}, {"type": "tag", "tags": [kind]}])
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.sla_event_write(
            ticket=ticket,
            kind=kind,
            target="first_reply",
            due=timezone.now() - timedelta(minutes=1),
        )
    current = Ticket.objects.get(pk=ticket.pk)
    assert current.priority == "urgent"
    assert _tags(ticket) == {kind}


def test_a_csat_rating_fires(
    make_rule: MakeRule, make_ticket: MakeTicket, django_capture_on_commit_callbacks: Any
) -> None:
    make_rule("csat_received", [{"type": "tag", "tags": ["unhappy"]}])
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.csat_record(ticket=ticket, rating=1, comment="slow")
    assert _tags(ticket) == {"unhappy"}


def test_a_stalled_parcel_triggers_the_apology_automation_once(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    apology: ReplyTemplate,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The done-when of issue 19: the reply goes out once, in the buyer's language."""
    make_rule(
        "parcel_stalled",
        [
            {"type": "reply", "template": "parcel-stalled-apology"},
            {"type": "tag", "tags": ["stalled"]},
        ],
        name="Stalled parcel apology",
        send_as="anna",
    )
    ticket = make_ticket(language="es", order=True)
    shipment = ticket.orders.get().shipments.get()
    shipment.shipped_at = timezone.now() - timedelta(days=30)
    shipment.save()
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            stalls_check()
    replies = TicketEvent.objects.filter(ticket=ticket, kind="message", subtype="reply")
    assert replies.count() == 1
    body = replies.get().message.body_text
    assert body.startswith("Hola ")
    assert ticket.orders.get().number in body
    assert replies.get().fields["agent"] == "anna"
    assert Firing.objects.filter(trigger="parcel_stalled").count() == 1
    # The same stall told twice (a retried consumer) is still one firing.
    from afterdesk.automations.consumers import parcel_stalled_automate

    parcel_stalled_automate(shipment.stalls.get())
    assert replies.count() == 1


def test_a_rule_does_not_retrigger_itself(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Its own status change is a status change, but not one that starts it again."""
    make_rule("status_changed", [{"type": "set", "status": "on_hold"}], max_per_ticket=50)
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, by=agent, status="pending")
    assert Ticket.objects.get(pk=ticket.pk).status == "on_hold"
    assert Firing.objects.count() == 1


def test_two_rules_feeding_each_other_stop_at_the_limit(
    make_rule: MakeRule,
    make_ticket: MakeTicket,
    agent: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ping = make_rule(
        "status_changed",
        [{"type": "set", "status": "pending"}],
        conditions={"statuses": ["open", "on_hold"]},
        max_per_ticket=3,
        name="ping",
    )
    pong = make_rule(
        "status_changed",
        [{"type": "set", "status": "on_hold"}],
        conditions={"statuses": ["pending"]},
        max_per_ticket=3,
        name="pong",
    )
    ticket = make_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, by=agent, status="open")
    done = Firing.objects.filter(state=FiringState.DONE)
    assert done.filter(rule=ping).count() == 3
    assert done.filter(rule=pong).count() == 3
    limited = Firing.objects.filter(state=FiringState.LIMITED)
    assert limited.count() == 1  # the next occurrence is logged as stopped, then it ends
    assert len(_automations(ticket)) == 6


def test_a_history_import_fires_nothing(
    make_rule: MakeRule, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from afterdesk.history.importer import history_import
    from tests.history.helpers import AGENT, CALENDAR, INBOUND, TICKET, write_history

    make_rule("ticket_created", [{"type": "tag", "tags": ["x"]}])
    make_rule("message_received", [{"type": "tag", "tags": ["x"]}])
    with django_capture_on_commit_callbacks(execute=True):
        report = history_import(
            write_history(tmp_path / "h.jsonl", CALENDAR, AGENT, TICKET, INBOUND)
        )
    assert report.errors == []
    assert Firing.objects.count() == 0


def test_a_run_that_dies_mid_way_is_rerun_and_each_rule_fires_once(
    make_rule: MakeRule, make_ticket: MakeTicket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash (here: the second rule's note write raising, as a killed worker would stop)
    leaves the first rule's firing and nothing of the second; the retry fires only the
    second."""
    from afterdesk.automations import engine

    make_rule("ticket_created", [{"type": "tag", "tags": ["first"]}], name="first", position=1)
    make_rule("ticket_created", [{"type": "note", "body": "second"}], name="second", position=2)
    ticket = make_ticket()
    real = engine.tickets.automation_note_add

    def crash(**kwargs: Any) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(engine.tickets, "automation_note_add", crash)
    with pytest.raises(RuntimeError):
        engine.ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="created")
    assert list(Firing.objects.values_list("rule__name", flat=True)) == ["first"]
    monkeypatch.setattr(engine.tickets, "automation_note_add", real)
    again = engine.ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="created")
    assert [firing.rule.name for firing in again] == ["second"]
    assert engine.ticket_trigger(ticket_id=ticket.pk, trigger="ticket_created", key="created") == []
    assert TicketEvent.objects.filter(ticket=ticket, kind="automation").count() == 2
    assert TicketEvent.objects.filter(ticket=ticket, subtype="note").count() == 1
