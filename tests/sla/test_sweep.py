"""The SLA state kept with every change, the sweep writing each warning and breach once, and
the breach's escalation mail (docs/sla.md)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from afterdesk.accounts.models import Role, Team, User
from afterdesk.sla.models import BreachNotice, Policy, TicketSla
from afterdesk.sla.state import states_rebuild
from afterdesk.sla.sweep import sla_sweep
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import T0, UserFactory

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def amazon_ticket(at=T0, **extra: object) -> Ticket:  # type: ignore[no-untyped-def]
    return services.ticket_create(
        subject="Where is my order?",
        channel="marketplace",
        platform="amazon",
        body="It has not arrived.",
        at=at,
        **extra,  # type: ignore[arg-type]
    )


def sla_events(ticket: Ticket) -> list[tuple[str, str, str]]:
    return [
        (e.kind, e.subtype, e.fields.get("due", ""))
        for e in TicketEvent.objects.filter(ticket=ticket, kind__in=["sla_warning", "sla_breach"])
    ]


def test_the_marketplace_preset_is_on_in_a_new_installation() -> None:
    policy = Policy.objects.get(preset="marketplace")
    assert policy.enabled
    assert policy.platforms == ["amazon"]
    assert policy.hours == "calendar"
    assert policy.targets["normal"] == {"first_reply": 1440, "next_reply": 1440}


def test_a_ticket_stores_its_deadlines_and_next_instant_as_it_changes(agent: User) -> None:
    ticket = amazon_ticket()
    state = TicketSla.objects.get(ticket=ticket)
    assert state.policy is not None
    assert state.policy.preset == "marketplace"
    assert state.first_reply_due == T0 + 24 * H
    assert state.next_at == T0 + 22 * H  # the warning, two hours before
    services.message_reply(ticket=ticket, by=agent, body="On its way", at=T0 + H)
    state.refresh_from_db()
    assert state.first_reply_due is None
    assert state.next_at is None
    services.message_ingest(ticket=ticket, body="Still nothing", at=T0 + 30 * H)
    state.refresh_from_db()
    assert state.next_reply_due == T0 + 54 * H


def test_other_tickets_have_no_clock_unless_a_policy_matches() -> None:
    ticket = services.ticket_create(subject="Hi", channel="email", body="?", at=T0)
    assert not TicketSla.objects.filter(ticket=ticket).exists()  # no clock, no row
    assert sla_sweep(now=T0 + 100 * H) == []


def test_an_unanswered_amazon_ticket_gets_one_warning_one_breach_and_the_supervisor_is_mailed(
    team: Team,
) -> None:
    supervisor = UserFactory(
        username="sue", role=Role.SUPERVISOR, email="sue@example.com", teams=[team]
    )
    UserFactory(username="other", role=Role.SUPERVISOR, email="other@example.com")
    ticket = amazon_ticket()
    services.ticket_assign(ticket=ticket, by=supervisor, agent=None, team=team, at=T0)
    assert sla_sweep(now=T0 + 21 * H) == []
    lines = sla_sweep(now=T0 + 23 * H)
    assert [(line.kind, line.target) for line in lines] == [("sla_warning", "first_reply")]
    assert sla_sweep(now=T0 + 23 * H) == []
    out = StringIO()
    call_command("sla", "sweep", "--now", "2026-10-02T08:00:01Z", stdout=out)
    assert f"sla_breach {ticket.external_id} first_reply due 2026-10-02T08:00:00Z" in out.getvalue()
    assert sla_sweep(now=T0 + 48 * H) == []
    assert sla_events(ticket) == [
        ("sla_warning", "first_reply", "2026-10-02T08:00:00Z"),
        ("sla_breach", "first_reply", "2026-10-02T08:00:00Z"),
    ]
    breach = TicketEvent.objects.get(ticket=ticket, kind="sla_breach")
    assert breach.at == T0 + 24 * H
    assert breach.fields["policy"].startswith("Marketplace")
    assert [m.to for m in mail.outbox] == [["sue@example.com"]]
    assert "missed its first reply deadline" in mail.outbox[0].body
    assert BreachNotice.objects.get().sent_at is not None
    assert TicketSla.objects.get(ticket=ticket).next_at is None


def test_a_reply_in_time_means_no_breach_and_auto_replies_do_not_count(agent: User) -> None:
    answered = amazon_ticket()
    services.message_reply(ticket=answered, by=agent, body="Here", at=T0 + 24 * H)
    automatic = amazon_ticket(external_id="AUTO-1")
    services.event_record(
        ticket=automatic, kind="message", fields={"kind": "auto"}, at=T0 + H, body="Got it"
    )
    lines = sla_sweep(now=T0 + 30 * H)
    assert [(line.ticket, line.kind) for line in lines] == [("AUTO-1", "sla_breach")]
    assert sla_events(answered) == []


def test_no_response_needed_closes_the_timer(agent: User) -> None:
    ticket = amazon_ticket()
    event = services.ticket_no_reply(ticket=ticket, by=agent, at=T0 + H)
    assert event.kind == "no_reply"
    assert event.fields == {"agent": agent.username}
    assert TicketSla.objects.get(ticket=ticket).next_at is None
    assert sla_sweep(now=T0 + 48 * H) == []


def test_a_sweep_after_a_late_reply_still_writes_the_breach_once(agent: User) -> None:
    ticket = amazon_ticket()
    services.message_reply(ticket=ticket, by=agent, body="Sorry", at=T0 + 30 * H)
    # the warning's mark came first; a sweep after the deadline writes only the breach
    assert TicketSla.objects.get(ticket=ticket).next_at == T0 + 22 * H
    lines = sla_sweep(now=T0 + 31 * H)
    assert [(line.kind, line.due) for line in lines] == [("sla_breach", T0 + 24 * H)]
    assert sla_sweep(now=T0 + 31 * H) == []
    # the ticket's state was replayed around the breach dated before the reply
    assert Ticket.objects.get(pk=ticket.pk).status == "open"


def test_a_changed_policy_recomputes_deadlines_from_the_log(agent: User) -> None:
    ticket = amazon_ticket()
    services.ticket_set_status(ticket=ticket, by=agent, status="on_hold", at=T0 + H)
    services.ticket_set_status(ticket=ticket, by=agent, status="open", at=T0 + 5 * H)
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 24 * H  # preset: no pause
    Policy.objects.filter(preset="marketplace").update(pause_statuses=["on_hold"])
    states_rebuild()
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 28 * H


def test_sweep_refuses_a_bad_now() -> None:
    with pytest.raises(CommandError, match="without an offset"):
        call_command("sla", "sweep", "--now", "2026-10-02T08:00:00")
    with pytest.raises(CommandError, match="not an ISO 8601"):
        call_command("sla", "sweep", "--now", "yesterday")


def test_rebuild_gives_imported_tickets_their_state() -> None:
    ticket = amazon_ticket()
    TicketSla.objects.all().delete()
    out = StringIO()
    call_command("sla", "rebuild", stdout=out)
    assert "SLA state rebuilt for" in out.getvalue()
    assert TicketSla.objects.get(ticket=ticket).first_reply_due == T0 + 24 * H


def test_the_second_breach_for_a_deadline_is_refused_by_the_ticket_service() -> None:
    ticket = amazon_ticket()
    due = T0 + 24 * H
    first = services.sla_event_write(
        ticket=ticket, kind="sla_breach", target="first_reply", due=due
    )
    again = services.sla_event_write(
        ticket=ticket, kind="sla_breach", target="first_reply", due=due
    )
    assert first is not None
    assert again is None
