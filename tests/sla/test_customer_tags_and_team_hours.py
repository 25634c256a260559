"""Policies that match the buyer's own tags (`customer_tags`, e.g. a VIP) apart from the
ticket's tags, and deadlines counted in the ticket's team's schedules (`hours = team`)
(docs/sla.md, "Policies")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from afterdesk.accounts.models import Team, User
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_upsert
from afterdesk.calendars.teams import team_calendars_set
from afterdesk.commerce.models import Customer
from afterdesk.commerce.services import customer_tags_set
from afterdesk.core.errors import ValidationError
from afterdesk.sla.models import Hours, Policy, TicketSla
from afterdesk.sla.services import policy_fields_validate
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket
from tests.factories import T0, CustomerFactory

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
WEEKDAYS = {
    d: [["09:00", "12:00"], ["14:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")
}


def email_ticket(customer: Customer | None = None, **extra: object) -> Ticket:
    return services.ticket_create(
        subject="Question",
        channel="email",
        body="Hello",
        customer=customer,
        at=T0,
        **extra,  # type: ignore[arg-type]
    )


def policy_of(ticket: Ticket) -> str | None:
    state = TicketSla.objects.filter(ticket=ticket).select_related("policy").first()
    return state.policy.name if state is not None and state.policy is not None else None


@pytest.fixture
def vip_policy() -> Policy:
    return Policy.objects.create(
        name="VIP buyers",
        position=0,
        customer_tags=["vip"],
        hours=Hours.CALENDAR,
        targets={"normal": {"first_reply": 60}},
    )


def test_a_vip_policy_matches_the_buyers_tag_not_the_tickets(vip_policy: Policy) -> None:
    vip = CustomerFactory(tags=["vip"])
    plain = CustomerFactory(tags=[])
    assert policy_of(email_ticket(vip)) == "VIP buyers"
    assert TicketSla.objects.get(ticket__customer=vip).first_reply_due == T0 + H
    assert policy_of(email_ticket(plain)) is None
    # A ticket tagged `vip` whose buyer is not: the customer-tag policy does not apply.
    assert policy_of(email_ticket(plain, tags=["vip"])) is None


def test_a_ticket_tag_policy_still_matches_the_tickets_own_tags(vip_policy: Policy) -> None:
    Policy.objects.create(
        name="Chargebacks",
        position=1,
        tags=["chargeback"],
        hours=Hours.CALENDAR,
        targets={"normal": {"first_reply": 30}},
    )
    ticket = email_ticket(CustomerFactory(tags=[]), tags=["chargeback"])
    assert policy_of(ticket) == "Chargebacks"
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + H / 2


def test_tagging_a_buyer_moves_the_deadlines_of_their_open_tickets(
    vip_policy: Policy, supervisor: User
) -> None:
    buyer = CustomerFactory(tags=[])
    ticket = email_ticket(buyer)
    assert policy_of(ticket) is None
    customer_tags_set(by=supervisor, customer_id=buyer.pk, tags=["VIP", " vip "])
    buyer.refresh_from_db()
    assert buyer.tags == ["vip"]
    assert policy_of(ticket) == "VIP buyers"
    customer_tags_set(by=supervisor, customer_id=buyer.pk, tags=[])
    assert TicketSla.objects.get(ticket=ticket).policy is None


def test_policy_customer_tags_are_checked_and_stored_lowercase() -> None:
    fields = policy_fields_validate({"name": "x", "customer_tags": ["VIP", "vip", "Gold"]})
    assert fields["customer_tags"] == ["gold", "vip"]
    with pytest.raises(ValidationError) as error:
        policy_fields_validate({"name": "x", "customer_tags": "vip"})
    assert error.value.field == "customer_tags"
    assert policy_fields_validate({"name": "x", "hours": "team"})["hours"] == "team"


def test_team_hours_count_in_the_tickets_teams_schedule(team: Team, supervisor: User) -> None:
    Calendar.objects.create(key="eu-hours", tz="Europe/Berlin", hours=WEEKDAYS)
    Policy.objects.create(
        name="Team hours",
        position=0,
        hours=Hours.TEAM,
        targets={"normal": {"first_reply": 240}},
    )
    # T0 is Thursday 2026-10-01 10:00 in Berlin. No team yet: no schedule, elapsed time.
    ticket = email_ticket()
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 4 * H
    services.ticket_assign(ticket=ticket, by=supervisor, agent=None, team=team, at=T0)
    # The team without schedules: still elapsed time (nothing to count in).
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 4 * H
    team_calendars_set(team=team, schedules=[{"calendar": "eu-hours"}])
    # Now 4 business hours of a split shift: 10–12 (2 h), 14–16 (2 h): 16:00 Berlin.
    state = TicketSla.objects.get(ticket=ticket)
    assert state.first_reply_due == T0 + 6 * H
    # A calendar's change reaches tickets counted in their team's schedule.
    calendar_upsert(key="eu-hours", tz="Europe/Berlin", hours={"thu": [["09:00", "12:00"]]})
    # Thursday 10–12 (2 h), then no hours until next Thursday 09:00–11:00.
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 7 * 24 * H + H
