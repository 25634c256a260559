"""The ingester: raw first, duplicates, automatic mail, failures and retries, customers and
orders of new tickets, attachments through the tickets' rules."""

from __future__ import annotations

import pytest

from afterdesk.channels.models import InboundEmail, InboundState, Mailbox
from afterdesk.channels.services.ingest import email_ingest, email_retry
from afterdesk.commerce.models import CustomerIdentity
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Attachment, Message, Status, Ticket, TicketEvent
from tests.channels.helpers import corpus, mail
from tests.factories import CustomerIdentityFactory, OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db


def test_a_buyer_mail_opens_a_ticket_through_the_ticket_services() -> None:
    result = email_ingest(corpus("plain_utf8_amazon.eml"), source="test")

    inbound = result.inbound
    assert result.stored
    assert inbound.state == InboundState.OPENED
    ticket = Ticket.objects.get()
    assert inbound.ticket == ticket
    assert result.line() == f"opened #{ticket.pk}"
    assert (ticket.channel, ticket.subject, ticket.status) == (
        "email",
        "Where is my parcel?",
        "new",
    )
    message = Message.objects.get()
    assert message.kind == "inbound"
    assert "114-3941689-8772232" in message.body_text
    assert message.external_message_id == "<plain_utf8_amazon@buyer.example>"
    identity = CustomerIdentity.objects.get(value="jane@buyer.example")
    assert ticket.customer == identity.customer
    assert identity.customer.name == "Jane Doe"
    assert TicketEvent.objects.filter(ticket=ticket, kind="message").count() == 1


def test_the_raw_bytes_are_kept_exactly() -> None:
    raw = corpus("gb2312.eml")
    inbound = email_ingest(raw, source="test").inbound
    with inbound.raw.open("rb") as file:
        assert file.read() == raw
    assert inbound.size == len(raw)
    assert inbound.raw.name.startswith("email/raw/")


def test_the_same_file_twice_changes_nothing() -> None:
    raw = corpus("plain_utf8_amazon.eml")
    first = email_ingest(raw, source="test")
    second = email_ingest(raw, source="test")

    assert not second.stored
    assert second.inbound.pk == first.inbound.pk
    assert (
        second.line()
        == f"duplicate of inbound #{first.inbound.pk} (ticket #{first.inbound.ticket_id})"
    )
    assert InboundEmail.objects.count() == 1
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_the_same_message_id_with_other_bytes_is_kept_as_a_duplicate() -> None:
    first = email_ingest(mail(body="first copy"), source="test")
    second = email_ingest(mail(body="second copy"), source="test")

    assert second.stored
    assert second.inbound.state == InboundState.DUPLICATE
    assert second.inbound.duplicate_of_id == first.inbound.pk
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1


def test_without_a_message_id_the_bytes_are_the_identity() -> None:
    raw = corpus("no_message_id.eml")
    assert email_ingest(raw, source="test").inbound.state == InboundState.OPENED
    assert not email_ingest(raw, source="test").stored
    assert email_ingest(raw + b"more\r\n", source="test").inbound.state == InboundState.OPENED
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("auto_reply.eml", "auto_reply"),
        ("x_autoreply.eml", "auto_reply"),
        ("bounce.eml", "bounce"),
        ("precedence_bulk.eml", "bulk"),
        ("mailing_list.eml", "bulk"),
    ],
)
def test_automatic_mail_is_stored_apart_and_opens_no_ticket(name: str, kind: str) -> None:
    result = email_ingest(corpus(name), source="test")

    assert result.inbound.state == InboundState.AUTOMATIC
    assert result.inbound.automatic_kind == kind
    assert result.inbound.reason
    assert result.line().startswith(f"stored as {kind.replace('_', '-')}")
    assert not Ticket.objects.exists()


def test_an_auto_reply_threading_to_a_solved_ticket_does_not_reopen_it(admin_user) -> None:
    opened = email_ingest(mail(), source="test").inbound
    ticket = opened.ticket
    tickets.message_reply(ticket=ticket, by=admin_user, body="Shipped today.", status="solved")
    auto = mail(
        message_id="<ooo@example.net>",
        in_reply_to="<m1@example.net>",
        subject="Out of office",
        headers={"Auto-Submitted": "auto-replied"},
    )

    inbound = email_ingest(auto, source="test").inbound

    assert inbound.state == InboundState.AUTOMATIC
    assert inbound.ticket_id == ticket.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert Message.objects.filter(ticket=ticket).count() == 2  # the buyer's and the reply


@pytest.mark.parametrize("name", ["broken_mime.eml", "no_sender.eml"])
def test_a_message_that_cannot_be_read_is_stored_raw_and_failed(name: str) -> None:
    raw = corpus(name)
    result = email_ingest(raw, source="test")

    inbound = result.inbound
    assert result.stored
    assert inbound.state == InboundState.FAILED
    assert inbound.reason
    assert result.line() == f"failed: {inbound.reason} (stored raw as #{inbound.pk})"
    with inbound.raw.open("rb") as file:
        assert file.read() == raw
    assert not Ticket.objects.exists()


def test_a_failure_after_the_ticket_was_written_rolls_it_back_and_retry_completes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from afterdesk.channels.services import ingest

    def broken(*args: object, **kwargs: object) -> list[str]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest, "_attachments_add", broken)
    inbound = email_ingest(corpus("attachments.eml"), source="test").inbound
    assert inbound.state == InboundState.FAILED
    assert "disk full" in inbound.reason
    assert not Ticket.objects.exists()
    assert inbound.ticket_id is None

    monkeypatch.undo()
    email_retry(inbound)

    inbound.refresh_from_db()
    assert inbound.state == InboundState.OPENED
    assert inbound.attempts == 2
    assert Ticket.objects.count() == 1


def test_a_new_subject_from_the_same_buyer_opens_a_new_ticket_of_the_same_customer() -> None:
    first = email_ingest(mail(), source="test").inbound
    second = email_ingest(
        mail(message_id="<m2@example.net>", subject="Another question"), source="test"
    ).inbound

    assert second.state == InboundState.OPENED
    assert second.ticket_id != first.ticket_id
    assert second.ticket.customer_id == first.ticket.customer_id
    assert CustomerIdentity.objects.filter(value="buyer@example.net").count() == 1


def test_a_known_buyer_is_found_by_email_address_whatever_its_case() -> None:
    identity = CustomerIdentityFactory(value="Buyer@Example.NET")
    inbound = email_ingest(mail(), source="test").inbound
    assert inbound.ticket.customer_id == identity.customer_id


def test_the_orders_a_mail_names_are_linked() -> None:
    amazon = OrderFactory(number="114-3941689-8772232")
    OrderFactory(number="999-0000000-0000000")
    ticket = email_ingest(corpus("plain_utf8_amazon.eml"), source="test").inbound.ticket
    assert list(ticket.orders.all()) == [amazon]
    assert ticket.store == amazon.store


def test_a_mailbox_store_is_the_new_customer_store() -> None:
    store = StoreFactory()
    mailbox = Mailbox.objects.create(name="EU", address="support@shop.example", store=store)
    ticket = email_ingest(mail(), source="test", mailbox=mailbox).inbound.ticket
    assert ticket.store == store
    assert ticket.customer.store == store
    assert ticket.email_thread.mailbox == mailbox


def test_attachments_follow_the_ticket_rules_and_a_refused_one_is_noted() -> None:
    inbound = email_ingest(corpus("attachments.eml"), source="test").inbound

    saved = list(Attachment.objects.values_list("filename", "content_type"))
    assert saved == [("Rechnung-März.pdf", "application/pdf")]
    assert any("setup.exe" in note for note in inbound.notes)


def test_inline_images_are_attachments_and_the_html_is_kept_sanitised() -> None:
    inbound = email_ingest(corpus("inline_image.eml"), source="test").inbound
    assert list(Attachment.objects.values_list("filename", flat=True)) == ["crack1.png"]
    assert 'src="cid:crack1@buyer.example"' in inbound.html
    assert inbound.ticket_message.body_text == "See the crack:"


def test_alternative_prefers_the_text_part_and_keeps_the_html_without_scripts() -> None:
    inbound = email_ingest(corpus("alternative.eml"), source="test").inbound
    assert inbound.ticket_message.body_text == "I ordered blue and got red."
    assert "Thanks for your order!" in inbound.text_folded
    assert "<b>blue</b>" in inbound.html
    assert "script" not in inbound.html
    assert "javascript" not in inbound.html
    assert "onclick" not in inbound.html


def test_winmail_dat_is_kept_as_an_attachment() -> None:
    inbound = email_ingest(corpus("winmail.eml"), source="test").inbound
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == (
        "winmail.dat",
        "application/vnd.ms-tnef",
    )
    assert attachment.message == inbound.ticket_message
    assert inbound.notes == []


def test_a_file_declared_as_winmail_but_holding_something_else_is_refused() -> None:
    raw = corpus("winmail.eml").replace(b"eJ8+Ig", b"TVqQAA")  # the TNEF magic made an exe's
    inbound = email_ingest(raw, source="test").inbound
    assert not Attachment.objects.exists()
    assert any("winmail.dat" in note for note in inbound.notes)


def test_a_new_ticket_gets_language_category_and_priority_from_triage() -> None:
    raw = mail(
        subject="Where is my parcel?",
        body="My order has not arrived. If it is not here by Friday I will open an A-to-z claim.",
    )
    inbound = email_ingest(raw, source="test").inbound
    ticket = inbound.ticket
    assert (ticket.language, ticket.category) == ("en", "not_received")
    assert ticket.priority in ("high", "urgent")
    assert inbound.triage["issue_type"] == "not_received"
    assert inbound.triage["risk_reason"]

    chinese = email_ingest(corpus("gb2312.eml"), source="test").inbound.ticket
    assert (chinese.language, chinese.category) == ("zh", "not_received")


def test_a_triage_failure_does_not_keep_the_mail_out(monkeypatch: pytest.MonkeyPatch) -> None:
    from afterdesk.channels.services import intake

    def broken(subject: str, body: str) -> None:
        raise ValueError("lexicon missing")

    monkeypatch.setattr(intake, "triage_message", broken)
    inbound = email_ingest(mail(), source="test").inbound
    assert inbound.state == InboundState.OPENED
    assert inbound.triage == {"error": "ValueError: lexicon missing"}
    assert inbound.ticket.priority == "normal"


def test_nul_bytes_and_lone_surrogates_never_reach_the_database() -> None:
    """PostgreSQL refuses NUL in text: a message carrying NUL bytes in its headers and body is
    taken in without them (it failed on PostgreSQL, and its failure could not be recorded)."""
    raw = (
        b"From: A\x00B <nul@example.net>\r\nSubject: he\x00llo\r\n"
        b"Message-ID: <n\x00ul@example.net>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"body with \x00 a NUL\r\n"
    )
    inbound = email_ingest(raw, source="test").inbound
    assert inbound.state == InboundState.OPENED, inbound.reason
    assert inbound.subject == "hello"
    assert inbound.message_id == "<nul@example.net>"
    assert inbound.ticket_message.body_text == "body with  a NUL"
    assert inbound.ticket.customer.name == "AB"
