"""Fuzzing the MIME path (hypothesis): no input crashes the ingester. Every input is stored
raw and ends parsed (a ticket opened or added to, automatic, duplicate) or flagged failed
with a reason; the parser itself raises nothing but MimeError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from afterdesk.channels.mime import MimeError, email_parse
from afterdesk.channels.models import InboundState
from afterdesk.channels.services.ingest import email_ingest
from tests.channels.helpers import CORPUS

SEEDS = [path.read_bytes() for path in sorted(CORPUS.glob("*.eml"))]
HEADER_NAMES = [
    "From",
    "To",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "Auto-Submitted",
    "Precedence",
    "Return-Path",
    "Date",
    "MIME-Version",
    "List-Id",
]
HEADER_VALUES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b'multipart/mixed; boundary="B"',
            b"multipart/alternative",
            b'text/plain; charset="',
            b"text/plain; charset=x-nope",
            b"text/html; charset=gb2312",
            b"base64",
            b"quoted-printable",
            b"=?utf-8?b?////?=",
            b"=?gb2312?q?=B0=FC?=",
            b"=?x-unknown?b?YWJj?=",
            b"<>",
            b"<a@b>",
            b'"unterminated <x@y',
            b"attachment; filename*=utf-8''%FF%FE",
            b"a@b, , <@>,",
            b"message/rfc822",
            b"multipart/report; report-type=delivery-status",
        ]
    ),
)


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """Header blocks of odd values over odd bodies, corpus files cut or with bytes flipped."""
    kind = draw(st.integers(0, 2))
    if kind == 0:
        headers = draw(
            st.lists(st.tuples(st.sampled_from(HEADER_NAMES), HEADER_VALUES), max_size=8)
        )
        body = draw(st.one_of(st.binary(max_size=300), st.sampled_from(SEEDS)))
        head = b"\r\n".join(name.encode() + b": " + value for name, value in headers)
        return head + b"\r\n\r\n" + body
    seed = draw(st.sampled_from(SEEDS))
    if kind == 1:
        cut = draw(st.integers(0, len(seed)))
        return seed[:cut] + draw(st.binary(max_size=40))
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 12))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    return bytes(data)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=500), messages()))
def test_the_parser_raises_nothing_but_mime_error(raw: bytes) -> None:
    try:
        parsed = email_parse(raw)
    except MimeError as error:
        reason = str(error)
        assert reason
        return
    assert "@" in parsed.sender
    assert parsed.text + parsed.text_folded is not None


@pytest.mark.django_db
@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(st.binary(min_size=1, max_size=300), messages()))
def test_no_input_crashes_the_ingester(raw: bytes) -> None:
    result = email_ingest(raw, source="fuzz")
    inbound = result.inbound
    assert inbound.pk is not None
    assert inbound.state != InboundState.RECEIVED
    if inbound.state == InboundState.FAILED:
        assert inbound.reason
    with inbound.raw.open("rb") as file:
        assert file.read() == raw or not result.stored


@pytest.mark.parametrize("charset", ['"\\x00"', "utf\\x008", "\\x00"])
def test_a_charset_name_with_a_nul_is_read_as_undeclared(charset: str) -> None:
    """Found by the fuzz test above: `codecs.lookup` raises ValueError (not LookupError) on a
    name holding a NUL character; the part is then read as if no charset were declared."""
    raw = (
        "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        f"Content-Type: text/plain; charset={charset}\r\n\r\nhello\r\n"
    ).encode("latin-1")
    raw = raw.replace(b"\\x00", b"\x00")

    parsed = email_parse(raw)

    assert "hello" in parsed.text
