"""Marketplace relay mail through the desk: Amazon and eBay relay mail opens a marketplace
ticket of its platform and market with the buyer's alias and the order linked; a reply the
platform would refuse is refused before it is stored (API 422, the page's form); a reply that
passes goes out by SMTP (aiosmtpd) to the relay alias, never anywhere else."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.accounts.services import api_token_create
from afterdesk.channels.mailbox_models import DeliveryState, MailboxConnection, ReplyDelivery
from afterdesk.channels.marketplace import MARKETPLACE_CHANNEL
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.ingest import email_ingest
from afterdesk.channels.services.marketplace import relay_reply_address
from afterdesk.channels.services.sending import buyer_address
from afterdesk.commerce.models import CustomerIdentity, Order
from afterdesk.core.errors import ValidationError
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Message, Ticket
from tests.channels.helpers import corpus, mail
from tests.channels.servers import SmtpServer
from tests.factories import OrderFactory, StoreFactory

pytestmark = pytest.mark.django_db

FOREIGN_LINK = "Please fill in the form at https://nordlicht-shop.example/returns."


def relay_ticket(name: str, mailbox: Mailbox | None = None) -> Ticket:
    result = email_ingest(corpus(f"relays/{name}"), source="test", mailbox=mailbox)
    ticket = result.inbound.ticket
    assert ticket is not None, result.line()
    return ticket


def test_amazon_relay_mail_opens_a_marketplace_ticket_with_its_order() -> None:
    store = StoreFactory(platform="amazon", market="DE")
    order = OrderFactory(store=store, number="302-4829174-3310257")
    ticket = relay_ticket("amazon_de.eml")
    assert (ticket.channel, ticket.platform, ticket.market) == (MARKETPLACE_CHANNEL, "amazon", "DE")
    assert list(ticket.orders.all()) == [order]
    assert ticket.store == store
    assert ticket.language == "de"
    # The buyer is their relay alias (stable per buyer, Amazon says), named without the suffix.
    assert ticket.customer is not None
    assert ticket.customer.name == "Max Mustermann"
    assert list(
        CustomerIdentity.objects.filter(customer=ticket.customer).values_list("kind", "value")
    ) == [("email", "7qk2m9x4w1lz8vp@marketplace.amazon.de")]


@pytest.mark.parametrize(
    ("name", "market"),
    [("amazon_co_uk.eml", "GB"), ("amazon_co_jp.eml", "JP"), ("amazon_fr.eml", "FR")],
)
def test_each_amazon_marketplace_sets_its_market(name: str, market: str) -> None:
    ticket = relay_ticket(name)
    assert (ticket.channel, ticket.platform, ticket.market) == (
        MARKETPLACE_CHANNEL,
        "amazon",
        market,
    )


def test_an_amazon_relay_photo_is_kept_as_an_attachment() -> None:
    ticket = relay_ticket("amazon_com_photo.eml")
    message = Message.objects.get(ticket=ticket)
    assert [a.filename for a in message.attachments.all()] == ["damage.png"]


def test_ebay_mail_from_ebay_is_the_members_ticket_by_its_reply_to_alias() -> None:
    ticket = relay_ticket("ebay_de_reply_to.eml")
    assert (ticket.channel, ticket.platform, ticket.market) == (MARKETPLACE_CHANNEL, "ebay", "DE")
    assert CustomerIdentity.objects.get(customer=ticket.customer).value == (
        "7affc8f543c9fd77e356@members.ebay.de"
    )
    # Not eBay's own sender: a reply goes to the member's alias.
    assert buyer_address(ticket) == "7affc8f543c9fd77e356@members.ebay.de"


def test_lookalike_and_ordinary_mail_stay_email_tickets() -> None:
    assert relay_ticket("lookalike_amazon.eml").channel == "email"
    ordinary = email_ingest(mail(), source="test").inbound.ticket
    assert ordinary is not None
    assert (ordinary.channel, ordinary.platform) == ("email", "")


def test_a_reply_the_platform_forbids_is_refused_before_it_is_stored(admin_user: User) -> None:
    ticket = relay_ticket("amazon_co_uk.eml")
    with pytest.raises(ValidationError) as refused:
        tickets.message_reply(ticket=ticket, by=admin_user, body=FOREIGN_LINK)
    assert refused.value.field == "body"
    assert "nordlicht-shop.example" in refused.value.message
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()
    assert not ReplyDelivery.objects.exists()
    # Without the link it goes.
    tickets.message_reply(ticket=ticket, by=admin_user, body="A new lid is on its way.")
    assert Message.objects.filter(ticket=ticket, kind="reply").count() == 1


def test_the_api_answers_422_naming_the_problem(admin_user: User) -> None:
    ticket = relay_ticket("ebay_com_member.eml")
    _token, key = api_token_create(user=admin_user, name="tests")
    client = Client(headers={"Authorization": f"Bearer {key}"})
    response = client.post(
        f"/api/tickets/{ticket.pk}/reply",
        {"body": "Mail me at seller@nordlicht-shop.example"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json() == {
        "message": "eBay does not allow email addresses in messages to buyers: "
        "seller@nordlicht-shop.example",
        "field": "body",
    }
    upload = client.post(
        f"/api/tickets/{ticket.pk}/reply/upload",
        {
            "body": "The label is attached.",
            "attachments": [SimpleUploadedFile("label.pdf", b"%PDF-1.4\n%\n", "application/pdf")],
        },
    )
    assert upload.status_code == 422
    assert upload.json()["field"] == "attachments"
    assert "eBay does not take 'label.pdf'" in upload.json()["message"]
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()


def test_the_reply_form_shows_the_problem_and_keeps_the_text(admin_user: User) -> None:
    ticket = relay_ticket("amazon_de.eml")
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        reverse("tickets:reply", args=[ticket.pk]),
        {"body": FOREIGN_LINK},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "Amazon does not allow links to other sites in messages to buyers" in page
    assert "nordlicht-shop.example/returns" in page  # what was typed is kept
    assert not Message.objects.filter(ticket=ticket, kind="reply").exists()


def test_a_link_in_a_reply_on_an_email_ticket_is_fine(admin_user: User) -> None:
    ticket = email_ingest(mail(), source="test").inbound.ticket
    assert ticket is not None
    tickets.message_reply(ticket=ticket, by=admin_user, body=FOREIGN_LINK)


def smtp_mailbox(server: SmtpServer) -> Mailbox:
    mailbox = Mailbox.objects.create(name="Nordlicht", address="service@nordlicht-shop.example")
    connection = MailboxConnection(
        mailbox=mailbox, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="none"
    )
    connection.save()
    return mailbox


@pytest.mark.parametrize(
    ("name", "alias"),
    [
        ("amazon_de.eml", "7qk2m9x4w1lz8vp@marketplace.amazon.de"),
        ("ebay_de_reply_to.eml", "7affc8f543c9fd77e356@members.ebay.de"),
    ],
)
def test_a_reply_goes_out_to_the_relay_alias(
    name: str,
    alias: str,
    smtp_server: SmtpServer,
    admin_user: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    mailbox = smtp_mailbox(smtp_server)
    ticket = relay_ticket(name, mailbox)
    with django_capture_on_commit_callbacks(execute=True):
        event = tickets.message_reply(ticket=ticket, by=admin_user, body="It left today.")
    delivery = ReplyDelivery.objects.get(event=event)
    assert (delivery.state, delivery.recipient) == (DeliveryState.SENT, alias)
    [envelope] = smtp_server.received
    assert envelope.rcpt_tos == [alias]
    sent = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert sent["To"] == alias
    assert sent["From"] == "Nordlicht <service@nordlicht-shop.example>"


def test_without_a_relay_alias_nothing_is_sent_anywhere_else(admin_user: User) -> None:
    ticket = relay_ticket("amazon_co_uk.eml")
    CustomerIdentity.objects.filter(customer=ticket.customer).update(value="jane@buyer.example")
    ticket.inbound_emails.all().update(sender="jane@buyer.example")
    for inbound in ticket.inbound_emails.all():
        inbound.raw.delete(save=True)
    assert relay_reply_address(ticket) == ""
    assert buyer_address(ticket) == ""


def test_the_buyers_follow_up_through_the_relay_lands_on_the_ticket(admin_user: User) -> None:
    ticket = relay_ticket("amazon_de.eml")
    token = ticket.email_thread.token
    follow_up = mail(
        sender='"Max Mustermann - Amazon Marketplace" <7qk2m9x4w1lz8vp@marketplace.amazon.de>',
        to="service@nordlicht-shop.example",
        # The relay keeps the subject of the seller's answer, with the desk's reply token.
        subject=f"RE: Anfrage von Amazon-Kunde Max Mustermann [#{ticket.pk}-{token}]",
        body="Danke, das Paket ist angekommen.",
        message_id="<0102018f3b00aaaa-relay@eu-west-1.amazonses.com>",
    )
    result = email_ingest(follow_up, source="test")
    assert result.inbound.ticket_id == ticket.pk
    assert Message.objects.filter(ticket=ticket, kind="inbound").count() == 2
    assert Ticket.objects.count() == 1


def test_an_order_the_desk_does_not_know_links_nothing_and_creates_nothing() -> None:
    ticket = relay_ticket("amazon_co_uk.eml")
    assert list(ticket.orders.all()) == []
    assert not Order.objects.exists()
