"""Routing a new ticket: the first matching rule, then an agent of the team with the skills, a
free slot, on shift and online; each decision a `routing` event with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from afterdesk.accounts.models import Team
from afterdesk.calendars.models import Calendar
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.commerce.models import Customer, Store
from afterdesk.routing.models import AssignMode, RoutingRule, TeamRouting
from afterdesk.routing.services import offline_reassign, presence_set
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.channels.helpers import mail
from tests.routing.conftest import MakeAgent

pytestmark = pytest.mark.django_db

LOST_ES = (
    "Hola, mi paquete no ha llegado todavía. Lo pedí hace tres semanas y el seguimiento no "
    "se actualiza. ¿Pueden ayudarme?"
)


def _rule(desk: Team, **conditions: object) -> RoutingRule:
    return RoutingRule.objects.create(name="Spanish lost parcels", set_team=desk, **conditions)


def _open(n: int, agent: object, *, team: Team) -> None:
    for i in range(n):
        ticket = services.ticket_create(subject=f"old {i}", channel="email", body="x")
        services.ticket_assign(ticket=ticket, by=agent, agent=agent, team=team)  # type: ignore[arg-type]


def _routing(ticket: Ticket) -> TicketEvent:
    return TicketEvent.objects.get(ticket=ticket, kind="routing")


def test_a_spanish_lost_parcel_goes_to_a_spanish_speaker_on_shift_with_the_reason(
    desk: Team, make_agent: MakeAgent, never: Calendar, client: Client
) -> None:
    _rule(desk, languages=["es"], categories=["not_received"], set_priority="high")
    lena = make_agent("lena", languages=("es", "en"))
    make_agent("otto", languages=("de",))  # on shift, free, but does not speak Spanish
    make_agent("pia", languages=("es",), shift=never)  # speaks Spanish, off shift
    _open(3, lena, team=desk)

    result = email_ingest(
        mail(subject="¿Dónde está mi paquete?", body=LOST_ES, message_id="<es@x.example>"),
        source="test",
    )
    assert result.inbound.ticket_id is not None
    ticket = Ticket.objects.get(pk=result.inbound.ticket_id)
    assert (ticket.language, ticket.category) == ("es", "not_received")
    assert ticket.assignee == lena
    assert ticket.team == desk
    assert ticket.priority == "high"
    reason = _routing(ticket).fields["reason"]
    assert "rule “Spanish lost parcels” (language es, issue not_received)" in reason
    assert "routed to Lena: speaks es, on shift, 3 of 8 slots used (least loaded)" in reason
    # The triage came first, then the decision, then the assignment (same instant, in order).
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket)
        .order_by("at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["message", "triage", "routing", "assign"]
    # and the reason is on the ticket page
    client.force_login(lena)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "routed to Lena: speaks es" in page


def test_least_loaded_and_a_full_agent_is_skipped(desk: Team, make_agent: MakeAgent) -> None:
    _rule(desk)
    ana = make_agent("ana", capacity=2)
    ben = make_agent("ben", capacity=8)
    _open(1, ben, team=desk)
    first = services.ticket_create(subject="a", channel="email", body="hola", language="es")
    assert Ticket.objects.get(pk=first.pk).assignee == ana  # 0 of 2 used beats 1 of 8
    _open(1, ana, team=desk)  # ana now 2 of 2: full
    second = services.ticket_create(subject="b", channel="email", body="hola", language="es")
    assert Ticket.objects.get(pk=second.pk).assignee == ben
    assert "Ana full (2 of 2)" in _routing(second).fields["reason"]


def test_nobody_free_leaves_the_ticket_with_the_team(desk: Team, make_agent: MakeAgent) -> None:
    _rule(desk)
    make_agent("ana", presence="offline")
    make_agent("ben", presence="away")
    ticket = services.ticket_create(subject="a", channel="email", body="hola", language="es")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.team, ticket.assignee) == (desk, None)
    reason = _routing(ticket).fields["reason"]
    assert "no agent of Spanish desk available (Ana offline; Ben away)" in reason


def test_round_robin_takes_turns(desk: Team, make_agent: MakeAgent) -> None:
    _rule(desk)
    TeamRouting.objects.create(team=desk, mode=AssignMode.ROUND_ROBIN)
    names = [make_agent(n).username for n in ("ana", "ben", "cleo")]
    got = []
    for i in range(5):
        ticket = services.ticket_create(subject=f"t{i}", channel="email", body="hola")
        got.append(Ticket.objects.get(pk=ticket.pk).assignee.username)  # type: ignore[union-attr]
    assert got == [names[0], names[1], names[2], names[0], names[1]]
    assert "(round robin)" in _routing(ticket).fields["reason"]


def test_off_shift_and_offline_agents_are_skipped(
    desk: Team, make_agent: MakeAgent, never: Calendar
) -> None:
    _rule(desk)
    make_agent("ana", shift=never)
    make_agent("ben", presence="offline")
    cleo = make_agent("cleo", capacity=1)
    ticket = services.ticket_create(subject="a", channel="email", body="hola", language="es")
    assert Ticket.objects.get(pk=ticket.pk).assignee == cleo
    assert "skipped Ana off shift, Ben offline" in _routing(ticket).fields["reason"]


def test_a_returning_buyer_gets_their_previous_agent(desk: Team, make_agent: MakeAgent) -> None:
    _rule(desk)
    make_agent("ana")
    ben = make_agent("ben")
    store = Store.objects.create(code="s", name="S")
    buyer = Customer.objects.create(store=store, name="Buyer")
    old = services.ticket_create(subject="old", channel="email", body="x", customer=buyer)
    services.ticket_assign(ticket=old, by=ben, agent=ben, team=desk)
    services.ticket_set_status(ticket=old, by=ben, status="solved")
    new = services.ticket_create(subject="again", channel="email", body="y", customer=buyer)
    assert Ticket.objects.get(pk=new.pk).assignee == ben
    assert "(the buyer's previous agent)" in _routing(new).fields["reason"]


def test_first_match_wins_and_conditions_must_all_hold(desk: Team, make_agent: MakeAgent) -> None:
    vip_team = Team.objects.create(name="VIP")
    RoutingRule.objects.create(
        name="VIP Amazon", position=1, platforms=["amazon"], tags=["vip"], set_team=vip_team
    )
    RoutingRule.objects.create(name="All", position=2, set_team=desk, add_tags=["routed"])
    RoutingRule.objects.create(name="Never reached", position=3, set_priority="urgent")
    plain = services.ticket_create(subject="a", channel="email", body="x", platform="amazon")
    assert Ticket.objects.get(pk=plain.pk).team == desk  # not tagged vip
    assert _routing(plain).fields["rule"] == "All"
    assert [t.name for t in Ticket.objects.get(pk=plain.pk).tags.all()] == ["routed"]
    vip = services.ticket_create(
        subject="b", channel="email", body="x", platform="amazon", tags=["vip"]
    )
    assert Ticket.objects.get(pk=vip.pk).team == vip_team
    assert "tag vip" in _routing(vip).fields["reason"]


def test_no_rule_and_no_team_writes_nothing() -> None:
    ticket = services.ticket_create(subject="a", channel="email", body="x")
    assert not TicketEvent.objects.filter(ticket=ticket, kind="routing").exists()


def test_an_agent_offline_too_long_has_their_tickets_reassigned_once(
    desk: Team, make_agent: MakeAgent
) -> None:
    _rule(desk)
    ana = make_agent("ana")
    ticket = services.ticket_create(subject="a", channel="email", body="hola", language="es")
    assert Ticket.objects.get(pk=ticket.pk).assignee == ana
    ben = make_agent("ben", presence="offline")
    now = timezone.now()
    presence_set(user=ana, presence="offline", at=now - timedelta(minutes=10))
    assert offline_reassign(now=now) == []  # not yet 30 minutes
    presence_set(user=ben, presence="online", at=now)
    lines = offline_reassign(now=now + timedelta(minutes=25))
    assert len(lines) == 1
    assert "Ana offline since" in lines[0]
    assert "(over 30 min)" in lines[0]
    assert "routed to Ben" in lines[0]
    assert Ticket.objects.get(pk=ticket.pk).assignee == ben
    assert offline_reassign(now=now + timedelta(minutes=26)) == []  # idempotent
    assert TicketEvent.objects.filter(ticket=ticket, kind="routing").count() == 2


def test_a_team_that_never_reassigns(desk: Team, make_agent: MakeAgent) -> None:
    _rule(desk)
    TeamRouting.objects.create(team=desk, reassign_after_minutes=0)
    ana = make_agent("ana")
    ticket = services.ticket_create(subject="a", channel="email", body="hola")
    presence_set(user=ana, presence="offline", at=timezone.now() - timedelta(days=1))
    assert offline_reassign() == []
    assert Ticket.objects.get(pk=ticket.pk).assignee == ana
