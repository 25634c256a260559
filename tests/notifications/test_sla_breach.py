"""Issue 19, done when "an Amazon ticket unanswered for 24 h gets its breach once and the
supervisor is notified": the Amazon preset, `afterdesk sla sweep --now …` run twice, one breach
event, the team's supervisor with one in-app notification and one email (a real SMTP server),
on the committed data (docs/notifications.md, "SLA breaches")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from afterdesk.accounts.models import Role, User
from afterdesk.notifications.models import Notification
from afterdesk.notifications.services import preferences_set
from afterdesk.sla.models import Policy
from afterdesk.sla.presets import MARKETPLACE_PRESET
from afterdesk.tickets import services
from afterdesk.tickets.models import Ticket, TicketEvent
from tests.factories import T0, TeamFactory, UserFactory

from .conftest import Mailbox, smtp_settings


def amazon_desk() -> tuple[Ticket, User]:
    """Like the demo: a marketplace team with its supervisor and agent, a supervisor of
    another team and an admin, one Amazon buyer message at T0 in the team, unanswered. The
    Amazon preset is what a new installation has (its migration); made here when a test before
    this one emptied the tables (a live-server browser test on SQLite can leave them so)."""
    if not Policy.objects.filter(preset=MARKETPLACE_PRESET["preset"]).exists():
        Policy.objects.create(**MARKETPLACE_PRESET)
    team = TeamFactory(name="Marketplace EU")
    sue = UserFactory(username="sue", role=Role.SUPERVISOR, teams=[team])
    UserFactory(username="max", role=Role.SUPERVISOR, teams=[TeamFactory(name="Shop US")])
    UserFactory(username="ada", role=Role.ADMIN)
    anna = UserFactory(username="anna", teams=[team])
    ticket = services.ticket_create(
        subject="Where is my order 302-1234567?",
        channel="marketplace",
        platform="amazon",
        market="DE",
        body="Hello, my parcel has not arrived.",
        at=T0,
    )
    services.ticket_assign(ticket=ticket, by=anna, agent=anna, team=team, at=T0)
    return ticket, sue


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_amazon_ticket_unanswered_for_24_hours_breaches_once_and_the_supervisor_is_told(
    smtp_server: Mailbox,
) -> None:
    ticket, sue = amazon_desk()
    with override_settings(**smtp_settings(smtp_server.port)):
        call_command("sla", "sweep", "--now", (T0 + timedelta(hours=23)).isoformat())
        assert not TicketEvent.objects.filter(kind="sla_breach").exists()
        for _ in range(2):
            call_command("sla", "sweep", "--now", (T0 + timedelta(hours=25)).isoformat())
    breaches = TicketEvent.objects.filter(ticket=ticket, kind="sla_breach")
    assert breaches.count() == 1
    told = list(Notification.objects.filter(kind="sla_breach"))
    assert [n.recipient for n in told] == [sue]  # the team's supervisor only
    assert told[0].ticket_id == ticket.pk
    assert told[0].url == f"/tickets/{ticket.pk}/"
    assert told[0].title == (f"SLA breach: ticket #{ticket.pk} missed its first reply deadline")
    assert [m.recipients for m in smtp_server.messages] == [["sue@example.com"]]
    subject = smtp_server.messages[0].message["Subject"]
    assert subject == f"[Afterdesk] SLA breach: #{ticket.pk} first reply"


@pytest.mark.django_db
def test_a_supervisor_without_the_breach_email_is_still_told_in_the_app(
    smtp_server: Mailbox,
) -> None:
    _ticket, sue = amazon_desk()
    preferences_set(user=sue, email_kinds=[])
    with override_settings(**smtp_settings(smtp_server.port)):
        call_command("sla", "sweep", "--now", (T0 + timedelta(hours=25)).isoformat())
    assert Notification.objects.filter(recipient=sue, kind="sla_breach").count() == 1
    assert smtp_server.messages == []  # the notice had nobody left to mail
