"""Routing's on-shift test is the calendars' own (an agent's shift in its zone, else the team's
schedules), rules match the buyer's tags (`customer_tags`) apart from the ticket's, and a
routed ticket costs a fixed, small number of statements (docs/routing.md)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from afterdesk.accounts.models import Team
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.teams import team_calendars_set
from afterdesk.routing.models import RoutingRule
from afterdesk.routing.rules import rules_load
from afterdesk.routing.services import ticket_route_new, tickets_route_new
from afterdesk.tickets import services
from afterdesk.tickets.consumers import tickets_opened
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import CustomerFactory
from tests.routing.conftest import MakeAgent

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _reason(ticket: Ticket) -> str:
    return str(TicketEvent.objects.get(ticket=ticket, kind="routing").fields["reason"])


class _NoRouting:
    """New tickets opened without routing (the test routes them at a chosen instant)."""

    def __enter__(self) -> None:
        tickets_opened._consumers.remove(tickets_route_new)

    def __exit__(self, *_: object) -> None:
        tickets_opened.register(tickets_route_new)


def _plain_ticket() -> Ticket:
    with _NoRouting():
        return services.ticket_create(subject="t", channel="email", body="hola", language="es")


@pytest.fixture
def split_berlin() -> Calendar:
    hours = {d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in WEEKDAYS}
    return Calendar.objects.create(key="split-berlin", tz="Europe/Berlin", hours=hours)


def test_an_agent_without_a_shift_follows_the_teams_schedule(
    desk: Team, make_agent: MakeAgent, split_berlin: Calendar
) -> None:
    RoutingRule.objects.create(name="all", set_team=desk)
    make_agent("ana", shift=None)
    team_calendars_set(team=desk, schedules=[{"calendar": "split-berlin"}])
    lunch = datetime(2026, 12, 7, 13, 0, tzinfo=BERLIN)  # Monday, between the two intervals
    morning = datetime(2026, 12, 7, 10, 0, tzinfo=BERLIN)
    first, second = _plain_ticket(), _plain_ticket()
    ticket_route_new(first, at=lunch)
    assert Ticket.objects.get(pk=first.pk).assignee is None
    assert "Ana off shift" in _reason(first)
    ticket_route_new(second, at=morning)
    assert Ticket.objects.get(pk=second.pk).assignee is not None
    assert "routed to Ana: speaks es, on shift" in _reason(second)


def test_an_agents_own_shift_in_their_zone_beats_the_teams_schedule(
    desk: Team, make_agent: MakeAgent, split_berlin: Calendar
) -> None:
    RoutingRule.objects.create(name="all", set_team=desk)
    # Tokyo night shift, 22:00–06:00 local, across midnight: Berlin's lunch is Tokyo's night.
    night = Calendar.objects.create(
        key="tokyo-night",
        tz="Asia/Tokyo",
        hours={d: [["00:00", "06:00"], ["22:00", "24:00"]] for d in (*WEEKDAYS, "sat", "sun")},
    )
    make_agent("kenji", shift=night)
    team_calendars_set(team=desk, schedules=[{"calendar": "split-berlin"}])
    ticket = _plain_ticket()
    # Wednesday 04:00 in Tokyo is Tuesday 20:00 in Berlin: the team is closed, Kenji is on.
    ticket_route_new(ticket, at=datetime(2026, 12, 9, 4, 0, tzinfo=TOKYO))
    assert Ticket.objects.get(pk=ticket.pk).assignee is not None
    off = _plain_ticket()
    # Tuesday 18:00 in Tokyo is 10:00 in Berlin: the team is open, Kenji is not.
    ticket_route_new(off, at=datetime(2026, 12, 8, 18, 0, tzinfo=TOKYO))
    assert "Kenji off shift" in _reason(off)


def test_a_rule_on_customer_tags_matches_the_buyers_tags_not_the_tickets(
    desk: Team, make_agent: MakeAgent
) -> None:
    RoutingRule.objects.create(
        name="VIP buyers", position=0, customer_tags=["vip"], set_priority="urgent"
    )
    RoutingRule.objects.create(name="Tagged vip", position=1, tags=["vip"], set_priority="high")
    make_agent("ana")
    vip = services.ticket_create(
        subject="a", channel="email", body="hola", customer=CustomerFactory(tags=["vip"])
    )
    assert Ticket.objects.get(pk=vip.pk).priority == "urgent"
    assert "rule “VIP buyers” (customer tag vip)" in _reason(vip)
    tagged = services.ticket_create(
        subject="b", channel="email", body="hola", customer=CustomerFactory(), tags=["vip"]
    )
    assert Ticket.objects.get(pk=tagged.pk).priority == "high"
    assert "rule “Tagged vip” (tag vip)" in _reason(tagged)


def test_a_routed_ticket_costs_two_statements_more_than_an_unrouted_one(
    desk: Team, make_agent: MakeAgent
) -> None:
    for n in range(10):  # rules tried before the one that matches: no statement each
        RoutingRule.objects.create(name=f"r{n}", position=n, markets=[f"M{n}"], set_priority="low")
    RoutingRule.objects.create(name="all", position=99, set_team=desk)
    for name in ("ana", "ben", "cleo"):
        make_agent(name)
    rules_load()  # the process has read the rules (as after its first ticket)
    services.ticket_create(subject="warm", channel="email", body="hola")
    with _NoRouting(), CaptureQueriesContext(connection) as plain:
        services.ticket_create(subject="plain", channel="email", body="hola")
    with CaptureQueriesContext(connection) as routed:
        ticket = services.ticket_create(subject="routed", channel="email", body="hola")
    assert Ticket.objects.get(pk=ticket.pk).assignee is not None
    # The candidates (with the team's settings, schedules and the rules' stamp, locked),
    # then their open tickets: two statements; the events join the change's one INSERT.
    assert len(routed.captured_queries) == len(plain.captured_queries) + 2
    # A rule changed in another process: the stamp read along shows it, the rules are read
    # again and the decision taken with them.
    RoutingRule.objects.filter(name="all").update(set_priority="urgent")
    RoutingRule.objects.get(name="all").save()  # a save sets `updated_at`: a new stamp
    again = services.ticket_create(subject="after the change", channel="email", body="hola")
    assert Ticket.objects.get(pk=again.pk).priority == "urgent"
