"""The printable RMA instructions (docs/returns.md, "Printable instructions"): opened without
signing in by its signed link, in the buyer's language, with the RMA, the items, the steps,
who pays the shipping and the market's return address; a forged or foreign link is a 404."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from afterdesk.accounts.models import User
from afterdesk.commerce.models import Order
from afterdesk.replies.models import ReturnAddress
from afterdesk.returns import instructions
from afterdesk.returns.models import MarketReturnAddress, ReturnCase, ReturnPolicy
from afterdesk.returns.services.cases import LineIn, case_create
from afterdesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def a_case(agent: User, ticket: Ticket, order: Order, language: str) -> ReturnCase:
    Ticket.objects.filter(pk=ticket.pk).update(language=language)
    ticket.refresh_from_db()
    return case_create(
        by=agent,
        ticket=ticket,
        order=order,
        lines=[LineIn(order.lines.get(sku="MUG-1").pk, 2)],
        reason="size_issue",
        requested_resolution="refund",
    )


def page_of(client: Client, case: ReturnCase) -> tuple[int, str]:
    url = reverse("returns:instructions", kwargs={"token": instructions.link_token(case)})
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize(
    ("language", "title", "lang_attr"),
    [
        ("en", "Return instructions", "en"),
        ("es-MX", "Instrucciones de devolución", "es"),
        ("de", "Rücksendeanleitung", "de"),
        ("fr", "Instructions de retour", "fr"),
        ("ja", "返品の手順", "ja"),
        ("zh-CN", "退货说明", "zh-Hans"),
        ("pt", "Return instructions", "en"),  # not one of the six: English
    ],
)
def test_the_page_is_in_the_buyer_s_language(
    client: Client,
    agent: User,
    shop_ticket: Ticket,
    shop_order: Order,
    language: str,
    title: str,
    lang_attr: str,
) -> None:
    case = a_case(agent, shop_ticket, shop_order, language)
    status, html = page_of(client, case)  # not signed in
    assert status == 200
    assert f'<html lang="{lang_attr}">' in html
    assert f"<h1>{title}</h1>" in html
    assert case.rma in html
    assert "MUG-1" in html
    assert "<td>2</td>" in html
    assert "instructions.css" in html  # the print stylesheet


def test_the_address_of_the_market_then_eu_then_every_market_then_the_store(
    client: Client, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = a_case(agent, shop_ticket, shop_order, "de")  # the store's market is DE
    _status, html = page_of(client, case)
    assert "Antworten Sie auf unsere E-Mail" in html  # no address anywhere yet
    ReturnAddress.objects.create(store=None, address="Default Lane 1")
    assert "Default Lane 1" in page_of(client, case)[1]
    MarketReturnAddress.objects.create(market="", warehouse="China", address="Shenzhen 518103")
    assert "Shenzhen 518103" in page_of(client, case)[1]
    MarketReturnAddress.objects.create(market="EU", warehouse="EU hub", address="Venlo 5928")
    assert "Venlo 5928" in page_of(client, case)[1]
    MarketReturnAddress.objects.create(market="DE", warehouse="Berlin", address="Berlin 10115")
    html = page_of(client, case)[1]
    assert "Berlin 10115" in html
    assert "Venlo" not in html


def test_who_pays_the_shipping_follows_the_policy(
    client: Client, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    ReturnPolicy.objects.create(store=None, market="", shipping_paid_by="seller")
    case = a_case(agent, shop_ticket, shop_order, "fr")
    assert "Nous prenons en charge les frais de retour." in page_of(client, case)[1]


def test_a_forged_or_foreign_link_is_a_404(
    client: Client, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = a_case(agent, shop_ticket, shop_order, "en")
    forged = signing.Signer(salt="another.purpose").sign_object([case.pk, case.rma])
    other_rma = signing.Signer(salt=instructions.SALT).sign_object([case.pk, "RMA-XXXXXXXX"])
    not_a_case = signing.Signer(salt=instructions.SALT).sign_object("x")
    dumped = signing.dumps([case.pk, case.rma], salt=instructions.SALT)  # timestamped
    for token in (forged, other_rma, "garbage", not_a_case, dumped):
        response = client.get(reverse("returns:instructions", kwargs={"token": token}))
        assert response.status_code == 404
    assert (
        client.post(
            reverse("returns:instructions", kwargs={"token": instructions.link_token(case)})
        ).status_code
        == 405
    )


def test_the_case_page_links_to_the_instructions(
    client: Client, agent: User, shop_ticket: Ticket, shop_order: Order
) -> None:
    case = a_case(agent, shop_ticket, shop_order, "en")
    client.force_login(agent)
    html = client.get(reverse("returns:case", args=[case.pk])).content.decode()
    assert reverse("returns:instructions", kwargs={"token": instructions.link_token(case)}) in html
