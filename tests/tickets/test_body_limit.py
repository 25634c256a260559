"""One limit for a reply's or a note's text: the ticket page's form, the API and the services
all refuse a text over MESSAGE_BODY_MAX_CHARS (the form used to take 200k characters while the
API refused 100k)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets import services
from afterdesk.tickets.forms import NoteForm, ReplyForm
from afterdesk.tickets.models import MESSAGE_BODY_MAX_CHARS, Message, Ticket
from afterdesk.tickets.schemas import NoteIn, ReplyIn
from tests.factories import T0

pytestmark = pytest.mark.django_db

TOO_LONG = "x" * (MESSAGE_BODY_MAX_CHARS + 1)


def _ticket(team: Team) -> Ticket:
    ticket = services.ticket_create(subject="Parcel", channel="email", body="Where?", at=T0)
    ticket.team = team
    ticket.save(update_fields=["team"])
    return ticket


def test_form_schema_and_service_share_one_limit() -> None:
    assert MESSAGE_BODY_MAX_CHARS == 100_000
    assert ReplyForm().fields["body"].max_length == MESSAGE_BODY_MAX_CHARS
    assert NoteForm().fields["body"].max_length == MESSAGE_BODY_MAX_CHARS
    for schema in (ReplyIn, NoteIn):
        limits = [getattr(m, "max_length", None) for m in schema.model_fields["body"].metadata]
        assert MESSAGE_BODY_MAX_CHARS in limits


@pytest.mark.parametrize("action", ["reply", "note"])
def test_the_html_form_refuses_a_text_over_the_limit(
    client: Client, agent: User, team: Team, action: str
) -> None:
    ticket = _ticket(team)
    client.force_login(agent)
    before = Message.objects.count()
    response = client.post(
        reverse(f"tickets:{action}", args=[ticket.pk]), {"body": TOO_LONG}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    assert Message.objects.count() == before
    response = client.post(
        reverse(f"tickets:{action}", args=[ticket.pk]),
        {"body": TOO_LONG[:-1]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Message.objects.count() == before + 1


def test_the_services_refuse_a_text_over_the_limit(agent: User, team: Team) -> None:
    ticket = _ticket(team)
    with pytest.raises(ValidationError) as refused:
        services.message_reply(ticket=ticket, by=agent, body=TOO_LONG)
    assert refused.value.field == "body"
    with pytest.raises(ValidationError):
        services.note_add(ticket=ticket, by=agent, body=TOO_LONG)
    assert not Message.objects.filter(kind__in=["reply", "note"]).exists()
