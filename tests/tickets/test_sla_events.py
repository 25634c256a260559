"""The SLA events Afterdesk writes itself, on the live path (`tickets.services.event_record`)
and on the ticket page (docs/history.md, "Events Afterdesk writes itself")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.tickets import services
from afterdesk.tickets.events import event_fingerprint
from afterdesk.tickets.models import Ticket, TicketEvent
from afterdesk.tickets.services import event_record
from afterdesk.tickets.templatetags.ticket_tags import history_lines
from tests.factories import T0

pytestmark = pytest.mark.django_db

DUE = "2026-10-01T12:00:00+02:00"  # 10:00 UTC


@pytest.fixture
def ticket(team: Team) -> Ticket:
    ticket = services.ticket_create(
        subject="Parcel", channel="email", body="Where is it?", at=T0, external_id="T-1"
    )
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket


def record(ticket: Ticket, kind: str, minutes: int, **fields: Any) -> TicketEvent:
    with transaction.atomic():
        return event_record(
            ticket=ticket, kind=kind, fields=fields, at=T0 + timedelta(minutes=minutes)
        )


def test_event_record_stores_sla_events_with_the_target_as_subtype(ticket: Ticket) -> None:
    warning = record(ticket, "sla_warning", 30, target="first_reply", policy="EU", due=DUE)
    assert (warning.kind, warning.subtype, warning.score, warning.agent) == (
        "sla_warning",
        "first_reply",
        None,
        None,
    )
    assert warning.fields == {"target": "first_reply", "policy": "EU", "due": DUE}
    fields = {"target": "first_reply", "policy": "EU", "due": DUE}
    assert warning.fingerprint == event_fingerprint("sla_warning", warning.at, fields)
    breach = record(ticket, "sla_breach", 121, target="resolution", policy=None)
    assert (breach.subtype, breach.fields) == ("resolution", {"target": "resolution"})
    # the same event again is that event
    again = record(ticket, "sla_breach", 121, target="resolution")
    assert again.pk == breach.pk
    # warnings may repeat
    record(ticket, "sla_warning", 45, target="first_reply", policy="EU", due=DUE)
    assert TicketEvent.objects.filter(kind="sla_warning").count() == 2


def test_event_record_keeps_one_breach_per_ticket_target_and_deadline(ticket: Ticket) -> None:
    record(ticket, "sla_breach", 121, target="first_reply", due=DUE)
    record(ticket, "sla_breach", 122, target="first_reply")  # no due: a deadline of its own
    record(ticket, "sla_breach", 123, target="next_reply", due=DUE)
    record(ticket, "sla_breach", 124, target="first_reply", due="2026-10-01T10:00:01Z")
    for due in ("2026-10-01T10:00:00Z", "2026-10-01T19:00:00+09:00"):  # the same instant
        with pytest.raises(Conflict, match="already has an sla_breach for first_reply"):
            record(ticket, "sla_breach", 130, target="first_reply", due=due)
    with pytest.raises(Conflict):
        record(ticket, "sla_breach", 131, target="first_reply", policy="other")
    assert TicketEvent.objects.filter(kind="sla_breach").count() == 4


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({}, "target"),
        ({"target": "first_response"}, "target"),
        ({"target": "resolution", "due": "2026-10-01T10:00:00"}, "due"),
        ({"target": "resolution", "due": "soon"}, "due"),
        ({"target": "resolution", "policy": 5}, "policy"),
    ],
)
def test_event_record_refuses_bad_sla_fields(
    ticket: Ticket, fields: dict[str, Any], field: str
) -> None:
    for kind in ("sla_warning", "sla_breach"):
        with pytest.raises(ValidationError) as caught:
            record(ticket, kind, 30, **fields)
        assert caught.value.field == field
    assert not TicketEvent.objects.filter(kind__startswith="sla_").exists()


def _lines(ticket: Ticket) -> list[str]:
    return [text for _event, text in history_lines(ticket.events.all())]


def test_the_timeline_labels_sla_events_readably(ticket: Ticket) -> None:
    record(ticket, "sla_warning", 30, target="first_reply", policy="EU standard", due=DUE)
    record(ticket, "sla_breach", 121, target="first_reply", due=DUE)
    record(ticket, "sla_breach", 122, target="next_reply")
    record(ticket, "sla_warning", 123, target="resolution", due="2026-10-02T08:00:00Z")
    with timezone.override("Europe/Berlin"):
        assert _lines(ticket)[1:] == [
            "SLA warning: first reply due 10-01 12:00 · EU standard",
            "SLA breach: first reply due 10-01 12:00",
            "SLA breach: next reply",
            "SLA warning: resolution due 10-02 10:00",
        ]
    with translation.override("zh-hans"), timezone.override("UTC"):
        assert _lines(ticket)[1:] == [
            "SLA 预警：首次回复，截止 10-01 10:00 · EU standard",
            "SLA 超时：首次回复，截止 10-01 10:00",
            "SLA 超时：下次回复",
            "SLA 预警：解决，截止 10-02 08:00",
        ]


def test_the_ticket_page_shows_sla_events(client: Client, agent: User, ticket: Ticket) -> None:
    record(ticket, "sla_breach", 121, target="first_reply", policy="<b>VIP</b>", due=DUE)
    client.force_login(agent)
    body = client.get(reverse("tickets:ticket", args=[ticket.pk])).content.decode()
    history = body[body.index('id="history"') :]
    assert 'class="event event-sla_breach"' in history
    assert "SLA breach: first reply due 10-01 10:00 · &lt;b&gt;VIP&lt;/b&gt;" in history
