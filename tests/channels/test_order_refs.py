"""Order numbers in subjects and bodies, per platform."""

from __future__ import annotations

import pytest

from afterdesk.channels.order_refs import SCAN_CHARS, OrderRef, order_numbers, order_refs_find


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("Order 114-3941689-8772232 not arrived", [("amazon", "114-3941689-8772232")]),
        ("eBay 12-34567-89012", [("ebay", "12-34567-89012")]),
        ("订单号 8012345678901234 还没到", [("aliexpress", "8012345678901234")]),
        ("Where is #1001?", [("shopify", "#1001")]),
        ("order #SH1042 please", [("shopify", "#SH1042")]),
        ("Bestellung 4711 ist kaputt", [("woocommerce", "4711")]),
        ("commande n° 52341", [("woocommerce", "52341")]),
        ("Order number: 98765", [("woocommerce", "98765")]),
        ("pedido 5512 dañado", [("woocommerce", "5512")]),
        ("注文番号 250-1234567-7654321", [("amazon", "250-1234567-7654321")]),
    ],
)
def test_each_platform_form_is_found(text: str, refs: list[tuple[str, str]]) -> None:
    assert order_refs_find(text) == [OrderRef(platform, number) for platform, number in refs]


@pytest.mark.parametrize(
    "text",
    [
        "Re: Your case [#123-k7f3mx2p]",  # our reply token, not a Shopify order
        "call me at +49 1234-5678901",
        "tracking 1Z999AA10123456784",
        "1234-1234567-1234567",  # one digit too many for Amazon
        "a 17-digit number 12345678901234567",
        "price 1,234.50 &#1234; and #12",
        "order soon",
    ],
)
def test_lookalikes_are_not_orders(text: str) -> None:
    assert order_refs_find(text) == []


def test_subject_first_each_once() -> None:
    refs = order_refs_find("About #1001", "Order #1001 and 114-3941689-8772232, again #1001")
    assert refs == [OrderRef("shopify", "#1001"), OrderRef("amazon", "114-3941689-8772232")]
    assert order_numbers(refs) == ["1001", "#1001", "114-3941689-8772232"]


def test_only_the_head_of_a_long_message_is_read() -> None:
    head = "Where is order 114-3941689-8772232? "
    filler = "x" * SCAN_CHARS
    assert order_refs_find(head + filler + " and #1001") == [
        OrderRef("amazon", "114-3941689-8772232")
    ]
