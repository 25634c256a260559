"""Header parsing remembered (`mime.PARSE_POLICY`): the same header is parsed once, a long
one every time, and every message of the corpus parses exactly as with policy.default."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from afterdesk.channels import mime
from tests.channels.helpers import CORPUS, mail


def test_the_same_header_is_parsed_once() -> None:
    first = BytesParser(policy=mime.PARSE_POLICY).parsebytes(mail(subject="One"))
    second = BytesParser(policy=mime.PARSE_POLICY).parsebytes(mail(subject="Two"))
    assert first["Content-Type"] is second["Content-Type"]
    assert first["Subject"] is not second["Subject"]
    assert second.get_content_type() == "text/plain"


def test_a_long_header_is_not_kept() -> None:
    subject = "Where is my parcel? " * 40
    first = BytesParser(policy=mime.PARSE_POLICY).parsebytes(mail(subject=subject))
    second = BytesParser(policy=mime.PARSE_POLICY).parsebytes(mail(subject=subject))
    assert first["Subject"] == second["Subject"]
    assert first["Subject"] is not second["Subject"]


def _outcome(raw: bytes) -> object:
    """The parsed message, or the text of the MimeError."""
    try:
        return mime.email_parse(raw)
    except mime.MimeError as error:
        return f"MimeError: {error}"


@pytest.mark.parametrize("path", sorted(CORPUS.rglob("*.eml")), ids=lambda p: p.name)
def test_every_corpus_message_parses_as_with_the_default_policy(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = path.read_bytes()
    cached = _outcome(raw)
    monkeypatch.setattr(mime, "PARSE_POLICY", policy.default)
    assert cached == _outcome(raw)
