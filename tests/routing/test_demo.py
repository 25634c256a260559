"""The README's "try it": with the demo loaded, the example Spanish mail about a lost parcel is
routed to a Spanish-speaking agent of EU Languages who is on shift, the reason on the ticket."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from afterdesk.accounts.models import User
from afterdesk.routing.demo import routing_demo_load
from afterdesk.routing.models import AgentRouting, RoutingRule
from afterdesk.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "lost-parcel-es.eml"


def test_the_demo_routes_the_example_spanish_lost_parcel() -> None:
    call_command("demo", "--tickets", "120", stdout=StringIO())
    assert RoutingRule.objects.filter(name="Spanish lost parcels").exists()
    assert AgentRouting.objects.filter(presence="online").count() >= 10
    out = StringIO()
    call_command("email", "ingest", str(EXAMPLE), stdout=out)
    ticket = Ticket.objects.select_related("assignee", "team").latest("pk")
    assert ticket.subject == "¿Dónde está mi paquete?"
    assert ticket.team is not None
    assert ticket.team.name == "EU Languages"
    assert ticket.assignee is not None
    assert "es" in ticket.assignee.profile.languages
    assert ticket.priority == "high"
    reason = TicketEvent.objects.get(ticket=ticket, kind="routing").fields["reason"]
    assert "rule “Spanish lost parcels”" in reason
    assert f"routed to {ticket.assignee}: speaks es" in reason
    # idempotent demo routing: loading again changes nothing
    assert routing_demo_load(admin=User.objects.get(username="admin"))["rules"] == 6
    assert RoutingRule.objects.count() == 6
