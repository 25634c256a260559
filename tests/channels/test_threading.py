"""Threading: headers, the reply token, the customer's bare ticket number; forged numbers and
strangers open new tickets; a reply reopens a solved ticket (docs/channels.md, "Threading")."""

from __future__ import annotations

import pytest

from afterdesk.accounts.models import User
from afterdesk.channels.models import InboundState, ThreadMessageId
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.channels.services.outgoing import (
    outgoing_message_id,
    reply_address,
    reply_subject,
    thread_headers,
)
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Status, Ticket
from tests.channels.helpers import corpus, mail

pytestmark = pytest.mark.django_db


def _opened() -> Ticket:
    inbound = email_ingest(mail(), source="test").inbound
    assert inbound.state == InboundState.OPENED
    return inbound.ticket


def test_in_reply_to_an_outgoing_reply_threads_and_reopens_a_solved_ticket(
    admin_user: User,
) -> None:
    ticket = _opened()
    reply = tickets.message_reply(ticket=ticket, by=admin_user, body="Sent.", status="solved")
    ours = outgoing_message_id(ticket=ticket, event=reply)
    assert ours.startswith(f"<ticket-{ticket.pk}.{reply.pk}.")
    assert ours.endswith("@localhost>")

    follow_up = mail(message_id="<m2@example.net>", subject="Re: anything", in_reply_to=ours)
    inbound = email_ingest(follow_up, source="test").inbound

    assert inbound.state == InboundState.APPENDED
    assert inbound.ticket_id == ticket.pk
    assert inbound.reason == "threaded by header"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Ticket.objects.count() == 1


def test_references_to_the_buyer_earlier_message_thread() -> None:
    ticket = _opened()
    second = mail(
        sender="Other Address <other@example.net>",
        message_id="<m2@example.net>",
        references="<unknown@x> <m1@example.net>",
    )
    assert email_ingest(second, source="test").inbound.ticket_id == ticket.pk


def test_the_reply_token_threads_from_any_sender() -> None:
    ticket = _opened()
    subject = reply_subject(ticket=ticket)
    assert subject == f"Re: Where is my parcel? [#{ticket.pk}-{ticket.email_thread.token}]"
    answer = mail(sender="colleague@example.org", message_id="<m2@x>", subject=subject)
    inbound = email_ingest(answer, source="test").inbound
    assert (inbound.ticket_id, inbound.reason) == (ticket.pk, "threaded by token")


def test_the_plus_address_threads() -> None:
    ticket = _opened()
    address = reply_address(ticket=ticket, address="support@shop.example")
    assert address == f"support+t{ticket.pk}-{ticket.email_thread.token}@shop.example"
    answer = mail(sender="x@example.org", message_id="<m2@x>", subject="hello", to=address)
    assert email_ingest(answer, source="test").inbound.ticket_id == ticket.pk


def test_a_forged_token_from_a_stranger_opens_a_new_ticket() -> None:
    ticket = _opened()
    # The forged mail names the ticket with a wrong token.
    forged = corpus("forged_token.eml").replace(b"[#1-", f"[#{ticket.pk}-".encode())
    inbound = email_ingest(forged, source="test").inbound
    assert inbound.state == InboundState.OPENED
    assert inbound.ticket_id != ticket.pk
    assert Message.objects.filter(ticket=ticket).count() == 1


def test_a_bare_ticket_number_threads_only_for_the_ticket_customer() -> None:
    ticket = _opened()
    forged = corpus("forged_bare_number.eml").replace(b"[#1]", f"[#{ticket.pk}]".encode())
    stranger = email_ingest(forged, source="test").inbound
    assert stranger.ticket_id != ticket.pk

    own = mail(message_id="<m3@example.net>", subject=f"Re: [#{ticket.pk}] one more thing")
    inbound = email_ingest(own, source="test").inbound
    assert (inbound.ticket_id, inbound.reason) == (ticket.pk, "threaded by customer")


def test_thread_headers_name_the_buyer_message_and_our_replies(admin_user: User) -> None:
    ticket = _opened()
    reply = tickets.message_reply(ticket=ticket, by=admin_user, body="On its way.")
    ours = outgoing_message_id(ticket=ticket, event=reply)

    headers = thread_headers(ticket=ticket)

    assert headers == {"In-Reply-To": "<m1@example.net>", "References": f"<m1@example.net> {ours}"}
    assert ThreadMessageId.objects.get(message_id=ours).direction == "out"


def test_a_reply_subject_does_not_pile_up_prefixes_or_tokens() -> None:
    ticket = _opened()
    ticket.subject = f"AW: Re: Parcel [#{ticket.pk}-abcd2345]"
    assert reply_subject(ticket=ticket) == (
        f"Re: Parcel [#{ticket.pk}-{ticket.email_thread.token}]"
    )


def test_a_long_message_id_is_kept_by_its_hash() -> None:
    long_id = "<" + "x" * 400 + "@example.net>"
    ticket = email_ingest(mail(message_id=long_id), source="test").inbound.ticket
    again = mail(message_id="<m9@example.net>", in_reply_to=long_id)
    assert email_ingest(again, source="test").inbound.ticket_id == ticket.pk


def test_a_bounce_of_a_desk_reply_is_kept_on_its_ticket_without_reopening_it(
    admin_user: User,
) -> None:
    ticket = _opened()
    reply = tickets.message_reply(ticket=ticket, by=admin_user, body="Sent.", status="solved")
    ours = outgoing_message_id(ticket=ticket, event=reply)
    bounce = corpus("bounce.eml").replace(
        b"--BNC--\r\n",
        b"--BNC\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        b"From: support@shop.example\r\nTo: nobody@buyer.example\r\nMessage-ID: "
        + ours.encode()
        + b"\r\nSubject: Re: Where is my parcel?\r\n\r\n--BNC--\r\n",
    )

    inbound = email_ingest(bounce, source="test").inbound

    assert inbound.state == InboundState.AUTOMATIC
    assert inbound.automatic_kind == "bounce"
    assert inbound.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert Message.objects.filter(ticket=ticket).count() == 2


def test_a_bounce_of_unknown_mail_stays_apart() -> None:
    inbound = email_ingest(corpus("bounce.eml"), source="test").inbound
    assert inbound.state == InboundState.AUTOMATIC
    assert inbound.ticket_id is None
