"""Marketplace relay mail, the pure part (`channels.marketplace`): which mail is an Amazon or
eBay relay, of which market, where its answer goes, which order it names; what a reply
through a relay may not carry."""

from __future__ import annotations

import pytest

from afterdesk.channels.marketplace import (
    AMAZON_SITES,
    EBAY_SITES,
    REPLY_TARGETS,
    gif_animated,
    relay_domain,
    relay_recognise,
    relay_reply_check,
)
from afterdesk.channels.mime import email_parse
from afterdesk.commerce.models import Platform
from tests.channels.helpers import corpus

# file, platform, market, relay alias, order number
RELAY_SAMPLES = [
    "amazon_de.eml amazon DE 7qk2m9x4w1lz8vp@marketplace.amazon.de 302-4829174-3310257",
    "amazon_co_uk.eml amazon GB c4bn1rd9x0tq2ye@marketplace.amazon.co.uk 026-1122334-5566778",
    "amazon_co_jp.eml amazon JP k8p3wq7zr2nd5mc@marketplace.amazon.co.jp 503-7654321-1234567",
    "amazon_com_photo.eml amazon US zz91bq0w3rkd6tf@marketplace.amazon.com 112-9876543-2109876",
    "amazon_fr.eml amazon FR r5tn8vk2qw4ph1x@marketplace.amazon.fr 171-2468024-6802468",
    "amazon_com_mx.eml amazon MX m2xq7cz4bw9kr6d@marketplace.amazon.com.mx 701-3344556-7788990",
    "ebay_de_reply_to.eml ebay DE 7affc8f543c9fd77e356@members.ebay.de 09-11223-44556",
    "ebay_com_member.eml ebay US 00ef0d7e3ec099fe8c3a@members.ebay.com 17-09876-54321",
]


@pytest.mark.parametrize("sample", RELAY_SAMPLES)
def test_relay_mail_is_recognised_with_its_market_reply_address_and_order(sample: str) -> None:
    name, platform, market, address, order = sample.split()
    parsed = email_parse(corpus(f"relays/{name}"))
    relay = relay_recognise(
        from_address=parsed.sender,
        from_name=parsed.sender_name,
        reply_to=parsed.reply_to,
        subject=parsed.subject,
        body=parsed.text,
        authentication_results=parsed.authentication_results,
    )
    assert relay is not None
    assert (relay.platform, relay.market, relay.reply_address, relay.order_number) == (
        platform,
        market,
        address,
        order,
    )
    assert relay.platform in Platform.values


def test_amazons_name_suffix_is_dropped_and_dkim_is_read() -> None:
    parsed = email_parse(corpus("relays/amazon_de.eml"))
    relay = relay_recognise(
        from_address=parsed.sender,
        from_name=parsed.sender_name,
        authentication_results=parsed.authentication_results,
    )
    assert relay is not None
    assert relay.buyer_name == "Max Mustermann"
    assert relay.authenticated
    # Without a DKIM pass for the platform's own domain the relay is still one, unverified.
    fr = email_parse(corpus("relays/amazon_fr.eml"))
    unsigned = relay_recognise(from_address=fr.sender, authentication_results="")
    assert unsigned is not None
    assert not unsigned.authenticated
    forged = relay_recognise(
        from_address=fr.sender,
        authentication_results="mx; dkim=pass header.d=amazon.fr.evil.example",
    )
    assert forged is not None
    assert not forged.authenticated


@pytest.mark.parametrize(
    "address",
    [
        "seller-support@marketplace.amazon.de.account-check.example",  # lookalike
        "someone@amazon.de",  # Amazon itself, not a buyer relay
        "x@marketplace.amazon.zz",  # no such marketplace
        "x@members.ebay.example",
        "x@notmembers.ebay.com",
        "@marketplace.amazon.de",
        "jane@buyer.example",
    ],
)
def test_other_addresses_are_not_relays(address: str) -> None:
    assert relay_domain(address) is None
    assert relay_recognise(from_address=address) is None


def test_the_lookalike_sample_is_ordinary_mail() -> None:
    parsed = email_parse(corpus("relays/lookalike_amazon.eml"))
    assert relay_recognise(from_address=parsed.sender, reply_to=parsed.reply_to) is None


def test_every_site_maps_to_a_two_letter_market() -> None:
    for sites in (AMAZON_SITES, EBAY_SITES):
        assert all(len(market) == 2 and market.isupper() for market in sites.values())
    assert relay_domain("A@MARKETPLACE.AMAZON.CO.UK") == ("amazon", "GB")
    assert relay_domain("a@members.ebay.com.au") == ("ebay", "AU")


def test_a_reply_to_alias_wins_over_the_platforms_own_from() -> None:
    relay = relay_recognise(
        from_address="ebay@ebay.com", reply_to=["abc123@members.ebay.co.uk"], subject="Hi"
    )
    assert relay is not None
    assert relay.reply_address == "abc123@members.ebay.co.uk"
    assert relay.market == "GB"


def test_the_relay_order_is_the_platforms_own_number() -> None:
    relay = relay_recognise(
        from_address="a@marketplace.amazon.de",
        subject="Frage zu #1001",
        body="Bestellung 12-12345-12345 oder 028-1234567-7654321?",
    )
    assert relay is not None
    assert relay.order_number == "028-1234567-7654321"
    none = relay_recognise(from_address="a@marketplace.amazon.de", subject="Hallo", body="?")
    assert none is not None
    assert none.order_number == ""


def test_amazon_tickets_default_sla_target_is_24_calendar_hours() -> None:
    assert REPLY_TARGETS["amazon"].total_seconds() == 24 * 3600
    assert "ebay" not in REPLY_TARGETS


# --- Replies through a relay ------------------------------------------------------------

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005050200 5fc8f1d20000000049454e44ae426082".replace(" ", "")
)
GIF_STILL = b"GIF89a\x01\x00\x01\x00\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00;"
GIF_ANIMATED = b"GIF89a\x01\x00\x01\x00\x00\x00\x00!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00;"


@pytest.mark.parametrize(
    ("platform", "own_link", "other_link"),
    [
        ("amazon", "https://www.amazon.de/gp/your-orders", "https://www.ebay.de/mye/myebay"),
        ("ebay", "https://www.ebay.de/mye/myebay", "https://www.amazon.de/gp/your-orders"),
    ],
)
def test_a_plain_reply_passes_with_the_platforms_own_links(
    platform: str, own_link: str, other_link: str
) -> None:
    body = (
        "Hello, your parcel 302-4829174-3310257 left our warehouse today (1.5 kg); tracking "
        f"1Z999AA10123456784. You can also see it on {own_link}. Thank you, e.g. for your "
        "patience! Version 2.0 of the manual is attached as manual.pdf."
    )
    assert relay_reply_check(platform, body) == []
    # The other marketplace is another site.
    assert len(relay_reply_check(platform, f"{body} {other_link}")) == 1


def test_links_to_other_sites_are_named() -> None:
    body = (
        "See https://shop.example.com/returns and www.example.de/help, or amazon.de.evil.io/x. "
        "Our site nordlicht-shop.de has more. "
        "The order page https://sellercentral.amazon.de is fine."
    )
    [problem] = relay_reply_check("amazon", body)
    assert problem.field == "body"
    assert "Amazon does not allow links" in problem.message
    for host in ("shop.example.com", "www.example.de", "amazon.de.evil.io", "nordlicht-shop.de"):
        assert host in problem.message
    assert "sellercentral" not in problem.message


def test_email_addresses_and_international_phone_numbers_are_named() -> None:
    problems = relay_reply_check(
        "ebay",
        "Write to help@nordlicht-shop.example or call +49 30 1234 5678, order 09-11223-44556.",
    )
    messages = [problem.message for problem in problems]
    assert messages == [
        "eBay does not allow email addresses in messages to buyers: help@nordlicht-shop.example",
        "eBay does not allow phone numbers in messages to buyers: +49 30 1234 5678",
    ]


def test_amazon_attachments_types_and_total_size() -> None:
    fine = [("label.pdf", "application/pdf", b"%PDF-1.4 ..."), ("photo.png", "image/png", PNG)]
    assert relay_reply_check("amazon", "See the label.", fine) == []
    problems = relay_reply_check(
        "amazon",
        "Files.",
        [
            ("tool.exe", "application/x-msdownload", b"MZ"),
            ("sheet.xlsx", "application/vnd.ms-excel", b"PK"),
            ("renamed.pdf", "image/png", PNG),  # the name and the type disagree
            ("wink.gif", "image/gif", GIF_ANIMATED),
            ("still.gif", "image/gif", GIF_STILL),
        ],
    )
    assert [p.field for p in problems] == ["attachments"] * 4
    assert "'tool.exe'" in problems[0].message
    assert "allowed: .doc, .docx" in problems[0].message
    assert "'sheet.xlsx'" in problems[1].message
    assert "'renamed.pdf'" in problems[2].message
    assert problems[3].message == "Amazon does not allow animated GIFs: 'wink.gif'"
    big = [
        ("a.pdf", "application/pdf", b"0" * 6_000_000),
        ("b.pdf", "application/pdf", b"0" * 4_000_001),
    ]
    [too_big] = relay_reply_check("amazon", "Two files.", big)
    assert (
        too_big.message
        == "Amazon takes at most 10 MB of attachments in a message; these are 10.0 MB"
    )
    assert (
        relay_reply_check("amazon", "x", [*big[:1], ("b.pdf", "application/pdf", b"0" * 4000000)])
        == []
    )


def test_ebay_takes_images_only() -> None:
    assert relay_reply_check("ebay", "Photo.", [("p.png", "image/png", PNG)]) == []
    [problem] = relay_reply_check("ebay", "Label.", [("label.pdf", "application/pdf", b"%PDF")])
    assert "eBay does not take 'label.pdf'" in problem.message


def test_other_platforms_have_no_relay_rules() -> None:
    assert relay_reply_check("shopify", "https://example.com me@example.com") == []


def test_gif_animation_is_found_by_its_frames() -> None:
    assert gif_animated(GIF_ANIMATED)
    assert not gif_animated(GIF_STILL)
    two_frames = b"GIF89a" + b"!\xf9\x04\x00\x00\x00\x00\x00" * 2
    assert gif_animated(two_frames)
    assert not gif_animated(PNG)
