"""Parsing the corpus: every charset, headers in RFC 2047 and raw 8-bit, alternative and
HTML-only bodies, attachments, automatic mail and unreadable messages (no database)."""

from __future__ import annotations

import re

import pytest

from afterdesk.channels.charsets import codec_for, decode_text
from afterdesk.channels.mime import MimeError, email_parse, message_id_normalise, raw_message_id
from tests.channels.helpers import corpus

# file, subject, a phrase of the new text
CHARSETS = [
    ("gb2312.eml", "包裹还没有收到", "我的订单 1234567890123456 还没有收到"),
    ("gbk_declared_gb2312.eml", "朱镕基的书坏了", "朱镕基传"),
    ("gb18030.eml", "退货申请", "尺码太小了。𠀀"),
    ("big5.eml", "商品有瑕疵", "收到的杯子有裂痕"),
    ("shift_jis.eml", "商品が届きません", "まだ届きません"),
    ("iso2022jp.eml", "サイズ交換のお願い", "交換をお願いします"),
    ("euc_kr.eml", "배송 문의", "아직 도착하지 않았습니다"),
    ("windows1251.eml", "Посылка не пришла", "посылка по заказу"),
    ("windows1252_de.eml", "Größe passt nicht", "die Schuhe sind zu groß"),
    ("windows1250.eml", "Zwrot towaru", "Dzień dobry, chcę zwrócić zamówienie. Żółć."),
    ("wrong_charset_latin1_is_utf8.eml", "Café cassé", "la tasse est arrivée cassée. Où"),
    ("missing_charset_gbk.eml", "没有声明字符集", "我买的衣服颜色不对"),
    ("unknown_charset.eml", "Unknown charset", "Plain words in an unknown charset."),
    ("raw_8bit_headers.eml", "Pedido 5512 dañado", "el pedido llegó dañado"),
]


@pytest.mark.parametrize(("name", "subject", "phrase"), CHARSETS)
def test_every_charset_is_read(name: str, subject: str, phrase: str) -> None:
    parsed = email_parse(corpus(name))
    assert parsed.subject == subject
    assert phrase in parsed.text
    assert "\ufffd" not in parsed.text + parsed.subject


def test_display_names_are_decoded() -> None:
    assert email_parse(corpus("gb2312.eml")).sender_name == "王小明"
    assert email_parse(corpus("raw_8bit_headers.eml")).sender_name == "José Núñez"
    assert email_parse(corpus("windows1252_de.eml")).sender_name == "Jürgen Müller"
    assert email_parse(corpus("plain_utf8_amazon.eml")).sender == "jane@buyer.example"


def test_a_guessed_charset_is_noted() -> None:
    notes = email_parse(corpus("missing_charset_gbk.eml")).notes
    assert notes == ["text/plain declared no charset, read as guess:gb18030"]


def test_html_only_mail_is_turned_into_text_with_the_signature_folded() -> None:
    parsed = email_parse(corpus("html_only.eml"))
    assert parsed.text == "Hello there,\nthe lid is missing & the box is dented."
    assert "Sent from my iPhone" in parsed.text_folded
    assert "<i>missing</i>" in parsed.html


def test_attachments_inline_images_winmail_and_delivery_reports() -> None:
    files = email_parse(corpus("attachments.eml")).attachments
    assert [(f.filename, f.content_type) for f in files] == [
        ("Rechnung-März.pdf", "application/pdf"),
        ("setup.exe", "application/x-msdownload"),
    ]
    assert files[0].data.startswith(b"%PDF-1.4")
    (image,) = email_parse(corpus("inline_image.eml")).attachments
    assert (image.filename, image.inline, image.content_id) == (
        "crack1.png",
        True,
        "crack1@buyer.example",
    )
    (winmail,) = email_parse(corpus("winmail.eml")).attachments
    assert winmail.filename == "winmail.dat"
    assert winmail.data.startswith(b"\x78\x9f\x3e\x22")
    report = email_parse(corpus("bounce.eml")).attachments
    assert [f.content_type for f in report] == ["message/delivery-status"]


@pytest.mark.parametrize(
    ("name", "kind", "reason"),
    [
        ("auto_reply.eml", "auto_reply", "Auto-Submitted: auto-replied"),
        ("x_autoreply.eml", "auto_reply", "X-Autoreply: yes"),
        ("precedence_bulk.eml", "bulk", "Precedence: bulk"),
        ("mailing_list.eml", "bulk", "List-Id: Sellers <sellers.list.example>"),
        (
            "bounce.eml",
            "bounce",
            "Content-Type: multipart/report; report-type=delivery-status",
        ),
    ],
)
def test_automatic_mail_is_recognised(name: str, kind: str, reason: str) -> None:
    automatic = email_parse(corpus(name)).automatic
    assert automatic is not None
    assert (automatic.kind, automatic.reason) == (kind, reason)


def test_a_person_mail_is_not_automatic() -> None:
    for name in ("plain_utf8_amazon.eml", "alternative.eml", "reply_outlook_en.eml"):
        assert email_parse(corpus(name)).automatic is None


def test_auto_submitted_no_is_a_person() -> None:
    raw = b"From: a@b.example\r\nAuto-Submitted: no\r\nSubject: hi\r\n\r\nhello\r\n"
    assert email_parse(raw).automatic is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "the message is empty"),
        (corpus("broken_mime.eml"), "broken MIME: StartBoundaryNotFoundDefect"),
        (corpus("no_sender.eml"), "no sender address (From)"),
        (b"\x00\xff garbage without headers", "no sender address (From)"),
    ],
)
def test_unreadable_messages_raise_mime_error(raw: bytes, reason: str) -> None:
    with pytest.raises(MimeError, match=re.escape(reason)):
        email_parse(raw)


def test_message_ids() -> None:
    assert message_id_normalise("  <a@b>  ") == "<a@b>"
    assert message_id_normalise("a@b") == "<a@b>"
    assert message_id_normalise("") == ""
    folded = b"Subject: x\r\nMessage-Id:\r\n  <folded@x>\r\n\r\nMessage-ID: <body@x>"
    assert raw_message_id(folded) == "<folded@x>"
    assert raw_message_id(b"no headers at all") == ""


def test_charset_supersets_and_fallbacks() -> None:
    assert codec_for("GB2312") == "gb18030"
    assert codec_for("ks_c_5601-1987") == "cp949"
    assert codec_for("x-unknown") == ""
    assert decode_text("Grüße".encode(), "us-ascii") == ("Grüße", "utf-8")
    assert decode_text("Grüße".encode("cp1252"), "iso-8859-1") == ("Grüße", "cp1252")
