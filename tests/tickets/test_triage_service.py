"""`tickets.services.ticket_triage_record` and `ticket_triage_correct`: a ticket's triage is
one `triage` event with its reason; it sets the ticket's language, category and priority
(raised only, by the automatic decision; as chosen, by an agent's correction)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.metrics.models import TicketFacts
from afterdesk.tickets import services
from afterdesk.tickets.events import event_fingerprint
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import T0

pytestmark = pytest.mark.django_db

AUTOMATIC: dict[str, Any] = {
    "language": "de",
    "issue_type": "damaged",
    "risk": 45,
    "risk_flags": ["legal"],
    "priority": "high",
    "reason": "issue: matched 'kaputt' (de) (damaged, score 3)",
}


@pytest.fixture
def ticket() -> Ticket:
    return services.ticket_create(
        subject="Kaputt", channel="email", body="Die Vase ist kaputt.", at=T0, external_id="T-1"
    )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_the_automatic_decision_is_an_event_with_its_reason_and_sets_the_ticket(
    ticket: Ticket,
) -> None:
    event = services.ticket_triage_record(ticket=ticket, at=T0, **AUTOMATIC)
    assert (event.kind, event.subtype, event.score, event.agent) == ("triage", "damaged", 45, None)
    assert event.fields == AUTOMATIC
    assert event.fingerprint == event_fingerprint("triage", T0, AUTOMATIC)
    stored = fresh(ticket)
    assert (stored.language, stored.category, stored.priority) == ("de", "damaged", "high")
    # after the first message in event order: same instant, written later
    assert list(stored.events.values_list("kind", flat=True)) == ["message", "triage"]


def test_the_automatic_decision_raises_the_priority_and_never_lowers_it(ticket: Ticket) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(priority="urgent")
    services.ticket_triage_record(ticket=fresh(ticket), at=T0, **AUTOMATIC)
    assert fresh(ticket).priority == "urgent"
    Ticket.objects.filter(pk=ticket.pk).update(priority="low")
    services.ticket_triage_record(
        ticket=fresh(ticket), at=T0 + timedelta(minutes=1), **{**AUTOMATIC, "priority": "normal"}
    )
    assert fresh(ticket).priority == "normal"  # raised from low


def test_an_agents_correction_sets_what_the_agent_chose_even_a_lower_priority(
    ticket: Ticket, agent: User
) -> None:
    services.ticket_triage_record(ticket=ticket, at=T0, **AUTOMATIC)
    correction = services.ticket_triage_record(
        ticket=fresh(ticket),
        by=agent,
        at=T0 + timedelta(minutes=5),
        **{**AUTOMATIC, "issue_type": "wrong_item", "risk_flags": [], "priority": "low"},
    )
    assert correction.agent == agent
    assert correction.fields["agent"] == "anna"
    stored = fresh(ticket)
    assert (stored.language, stored.category, stored.priority) == ("de", "wrong_item", "low")
    # a later automatic decision is kept as an event but changes nothing the agent set
    services.ticket_triage_record(ticket=stored, at=T0 + timedelta(minutes=9), **AUTOMATIC)
    stored = fresh(ticket)
    assert (stored.category, stored.priority) == ("wrong_item", "low")
    assert stored.events.filter(kind="triage").count() == 3


def test_the_same_decision_again_is_the_same_event(ticket: Ticket) -> None:
    first = services.ticket_triage_record(ticket=ticket, at=T0, **AUTOMATIC)
    again = services.ticket_triage_record(ticket=fresh(ticket), at=T0, **AUTOMATIC)
    assert again.pk == first.pk
    assert TicketEvent.objects.filter(kind="triage").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issue_type": "broken"}, "issue_type"),
        ({"risk": 101}, "risk"),
        ({"risk": -1}, "risk"),
        ({"risk": True}, "risk"),
        ({"risk_flags": ["lawsuit"]}, "risk_flags"),
        ({"priority": "asap"}, "priority"),
        ({"language": "x" * 11}, "language"),
        ({"reason": "x" * 4001}, "reason"),
    ],
)
def test_a_bad_decision_is_refused_and_nothing_is_written(
    ticket: Ticket, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.ticket_triage_record(ticket=ticket, at=T0, **{**AUTOMATIC, **change})
    assert refused.value.field == field
    assert not TicketEvent.objects.filter(kind="triage").exists()
    assert fresh(ticket).category == ""


def test_a_correction_names_a_language(ticket: Ticket, agent: User) -> None:
    with pytest.raises(ValidationError) as refused:
        services.ticket_triage_record(ticket=ticket, by=agent, **{**AUTOMATIC, "language": ""})
    assert refused.value.field == "language"


def test_correct_keeps_what_the_agent_left_out_and_says_what_changed(
    ticket: Ticket, agent: User
) -> None:
    services.ticket_triage_record(ticket=ticket, at=T0, **AUTOMATIC)
    event = services.ticket_triage_correct(
        ticket=fresh(ticket),
        by=agent,
        language="de",
        issue_type="wrong_item",
        risk_flags=["legal", "bad_review"],
    )
    assert event.fields == {
        "language": "de",
        "issue_type": "wrong_item",
        "risk": 45,  # the latest decision's
        "risk_flags": ["legal", "bad_review"],  # in the triage's order
        "priority": "high",  # the ticket's
        "reason": "issue type damaged → wrong_item; risk flags legal → bad_review, legal",
        "agent": "anna",
    }
    noted = services.ticket_triage_correct(
        ticket=fresh(ticket),
        by=agent,
        language="de",
        issue_type="wrong_item",
        risk_flags=[],
        priority="normal",
        risk=0,
        note="  the buyer only asks  ",
    )
    assert (noted.fields["reason"], noted.fields["risk"]) == ("the buyer only asks", 0)
    assert fresh(ticket).priority == "normal"


def test_the_metric_facts_do_not_change(ticket: Ticket, agent: User) -> None:
    services.message_reply(ticket=ticket, by=agent, body="On it", at=T0 + timedelta(minutes=3))
    before = TicketFacts.objects.filter(ticket=ticket).values().get()
    services.ticket_triage_record(ticket=fresh(ticket), at=T0, **AUTOMATIC)
    services.ticket_triage_correct(
        ticket=fresh(ticket), by=agent, language="de", issue_type="other", risk_flags=[]
    )
    after = TicketFacts.objects.filter(ticket=ticket).values().get()
    before.pop("computed_at", None)
    after.pop("computed_at", None)
    assert after == before


def test_a_new_ticket_takes_its_decision_with_its_first_message() -> None:
    ticket = services.ticket_create(
        subject="Kaputt", channel="email", body="Die Vase ist kaputt.", at=T0, triage=AUTOMATIC
    )
    stored = fresh(ticket)
    assert (stored.language, stored.category, stored.priority) == ("de", "damaged", "high")
    assert list(stored.events.values_list("kind", "at")) == [("message", T0), ("triage", T0)]
    with pytest.raises(ValidationError):
        services.ticket_create(
            subject="x", channel="email", body="y", triage={**AUTOMATIC, "risk": 500}
        )
    assert Ticket.objects.count() == 1
