"""The buyer's email at each step (docs/returns.md, "Emails to the buyer"): the step's reply
template rendered in the buyer's language with the return's variables, sent as the agent's
reply on the ticket and really delivered by SMTP (aiosmtpd, tests/channels/servers.py); the
approval email links to the printable instructions; a step switched off sends nothing; an
email that cannot render does not undo the step and leaves a note saying why."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from afterdesk.accounts.models import Team, User
from afterdesk.commerce.models import Order
from afterdesk.replies import services as replies
from afterdesk.replies.render import check
from afterdesk.returns.demo import returns_demo_load
from afterdesk.returns.models import StepEmail
from afterdesk.returns.services.cases import (
    LineIn,
    case_approve,
    case_create,
    case_reject,
    inspect,
    label_send,
    mark_received,
    retention_offer,
)
from afterdesk.returns.services.refunds import refund_issue
from afterdesk.tickets.models import Message, MessageKind, Ticket
from tests.channels.servers import SmtpServer, smtp_server
from tests.channels.test_sending import buyer_ticket, plain_text, received, smtp_mailbox
from tests.stores.servers import ShopifyServer

pytestmark = pytest.mark.django_db
__all__ = ["smtp_server"]  # the local SMTP server fixture


@pytest.fixture
def mail_ticket(smtp_server: SmtpServer, shop_order: Order, team: Team) -> Ticket:
    """A Spanish buyer's email ticket (replies go out through the local SMTP server) about
    the Shopify order #1."""
    ticket = buyer_ticket(smtp_mailbox(smtp_server))
    ticket.orders.add(shop_order)
    Ticket.objects.filter(pk=ticket.pk).update(team=team, language="es")
    ticket.refresh_from_db()
    return ticket


def replies_of(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(event__ticket=ticket, kind=MessageKind.REPLY)
        .order_by("id")
        .values_list("body_text", flat=True)
    )


def test_every_step_emails_the_buyer_in_their_language_by_smtp(
    agent: User,
    admin_user: User,
    mail_ticket: Ticket,
    shop_order: Order,
    shopify_server: ShopifyServer,
    smtp_server: SmtpServer,
    django_capture_on_commit_callbacks: Any,
    client: Client,
) -> None:
    returns_demo_load(admin=admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_create(
            by=agent,
            ticket=mail_ticket,
            order=shop_order,
            lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
            reason="size_issue",
            requested_resolution="refund",
        )
        case = case_approve(by=agent, case=case)
        case = label_send(by=agent, case=case, carrier="DHL", tracking_number="00340434")
        case = mark_received(by=agent, case=case)
        case = inspect(
            by=agent, case=case, results={ln.pk: ("resellable", "") for ln in case.lines.all()}
        )
        refund_issue(by=agent, case=case, amount="24.95", resolution="refund")
    bodies = replies_of(mail_ticket)
    # requested, approved, label sent, received, refunded (inspected has no demo template)
    assert len(bodies) == 5
    assert all(case.rma in body for body in bodies)
    assert "Hemos recibido tu solicitud de devolución" in bodies[0]
    assert "1 × " in bodies[0]
    assert "está aprobada" in bodies[1]
    assert "00340434" in bodies[2]
    assert "24,95" in bodies[4]
    assert "€" in bodies[4]
    # Each went out by SMTP, as the ticket's replies go.
    sent = [plain_text(message) for message in received(smtp_server)]
    assert len(sent) == 5
    assert "está aprobada" in sent[1]
    # The approval email's link opens the printable instructions in Spanish, without signing in.
    link = re.search(r"https?://\S+/returns/rma/\S+/", bodies[1])
    assert link is not None
    page = client.get(urlsplit(link.group(0)).path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Instrucciones de devolución" in html
    assert case.rma in html
    assert "Venlo" in html  # the EU return address of the demo (the store's market is DE)


def test_a_step_switched_off_sends_nothing_and_the_rejection_says_why(
    agent: User, admin_user: User, mail_ticket: Ticket, shop_order: Order
) -> None:
    returns_demo_load(admin=admin_user)
    StepEmail.objects.filter(step="requested").update(enabled=False)
    case = case_create(
        by=agent,
        ticket=mail_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="changed_mind",
        requested_resolution="refund",
    )
    assert replies_of(mail_ticket) == []
    case_reject(by=agent, case=case, note="Las tazas usadas no se aceptan.")
    (body,) = replies_of(mail_ticket)
    assert "no podemos aceptar la devolución" in body
    assert "Las tazas usadas no se aceptan." in body


def test_an_email_that_cannot_render_leaves_the_step_done_and_a_note(
    agent: User, admin_user: User, mail_ticket: Ticket, shop_order: Order
) -> None:
    returns_demo_load(admin=admin_user)
    # An offer is made before any label: a template needing its tracking number cannot render.
    broken = replies.template_save(
        by=admin_user,
        key="offer-needs-tracking",
        name="Offer (needs the return tracking number)",
        default_language="en",
        variants=[replies.VariantIn(language="en", body="Label {{ return_tracking_number }}")],
    )
    StepEmail.objects.filter(step="retention_offered").update(template=broken)
    case = case_create(
        by=agent,
        ticket=mail_ticket,
        order=shop_order,
        lines=[LineIn(shop_order.lines.get(sku="MUG-1").pk, 1)],
        reason="size_issue",
        requested_resolution="refund",
    )
    case = retention_offer(by=agent, case=case, percent=20)
    assert case.retention == "offered"
    note = Message.objects.get(event__ticket=mail_ticket, kind=MessageKind.NOTE)
    assert "'retention_offered' email to the buyer was not sent" in note.body_text
    assert "return_tracking_number has no value" in note.body_text
    assert len(replies_of(mail_ticket)) == 1  # the request's email only


def test_the_return_variables_are_known_to_the_template_editor() -> None:
    assert check("{{ rma }} {{ return_instructions_link }} {{ return_amount }}") == []
    assert check("{{ rma_number }}") == ["unknown variable 'rma_number'"]
