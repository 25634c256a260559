"""Raw MIME bytes to what the desk needs (`ParsedEmail`), with the standard `email` package
(`policy=default`). Pure: no database.

Headers are decoded from RFC 2047 (and from raw 8-bit bytes, read like the body); bodies from
any charset (`charsets.decode_text`); the text is the text/plain part when there is one, the
HTML part turned into text otherwise, with the quoted history and signature folded away
(`quotes.fold_reply`); the HTML is kept sanitised with nh3; every other leaf part (inline
images, files, winmail.dat, attached messages) is an attachment. A message the package cannot
read at all raises `MimeError`, and the ingester keeps it raw, flagged as failed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from functools import lru_cache

import nh3

from afterdesk.channels.automatic import Automatic, automatic_detect
from afterdesk.channels.charsets import decode_text, has_surrogates, repair_header
from afterdesk.channels.quotes import fold_reply
from afterdesk.tickets.services.log import sanitize_html

# The ids of the headers that name other messages: `<local@domain>`.
_MSG_ID = re.compile(r"<[^<>\s]{1,900}>")
# Structural damage after which the text of a multipart message cannot be trusted.
_FATAL_DEFECTS = ("StartBoundaryNotFoundDefect", "NoBoundaryInMultipartDefect")
_RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "Resent-To")


class _CachingHeaderRegistry(HeaderRegistry):
    """policy.default's header parsing, remembered: a header object depends only on its name
    and raw value, and the same ones come again and again (each part's Content-Type is parsed
    anew by every get_content_type(), get_param() and is_attachment(); most mail says
    "text/plain; charset=utf-8"). Parsing took over half of `email_parse` (the ingest
    benchmark, docs/benchmarks.md, "Email ingest"). Long values are parsed every time, so a
    crafted message cannot fill the cache with large headers."""

    @lru_cache(maxsize=4096)  # noqa: B019 - one module-level instance, never freed anyway
    def _cached(self, name: str, value: str) -> BaseHeader:
        return super().__call__(name, value)

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > 500:
            return super().__call__(name, value)
        return self._cached(name, value)


# policy.default with the remembered header parsing (the same objects, built once).
PARSE_POLICY = policy.default.clone(header_factory=_CachingHeaderRegistry())


class MimeError(Exception):
    """The message cannot be read: kept raw and listed as failed with this reason."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    sender: str  # the From address, lower case
    sender_name: str
    recipients: list[str]
    date: datetime | None
    text: str  # the new text (quoted history and signature folded away)
    text_folded: str  # what was folded away (text + text_folded is the whole text)
    html: str  # the HTML part, sanitised ("" when there is none)
    attachments: list[ParsedAttachment]
    automatic: Automatic | None
    notes: list[str] = field(default_factory=list)  # charset guesses, repaired damage
    # The Message-IDs of messages carried inside (a bounce's returned message, its headers).
    embedded_ids: list[str] = field(default_factory=list)
    # Read by the marketplace relay recognition (`channels.marketplace`).
    reply_to: list[str] = field(default_factory=list)
    authentication_results: str = ""


def message_id_normalise(value: str) -> str:
    """A Message-ID as stored and compared: `<local@domain>` without spaces; "" when absent."""
    found = _MSG_ID.search(value or "")
    if found:
        return found.group(0)
    cleaned = "".join((value or "").split()).strip("<>")
    return f"<{cleaned[:900]}>" if cleaned else ""


def message_ids(value: str) -> list[str]:
    """The Message-IDs named in an In-Reply-To or References header, in order."""
    return _MSG_ID.findall(value or "")


def raw_message_id(raw: bytes) -> str:
    """The Message-ID of raw bytes, read from the header block alone and never raising: the
    duplicate check runs before (and whatever) the parsing does."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    found = re.search(rb"^message-id[ \t]*:[ \t]*(.*)$", unfolded, re.IGNORECASE | re.MULTILINE)
    if not found:
        return ""
    return message_id_normalise(storable(found.group(1).decode("ascii", errors="replace")))


def storable(text: str) -> str:
    """Text every database stores: no NUL (PostgreSQL refuses it in text) and no lone
    surrogates (not encodable as UTF-8)."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


class _Reader:
    def __init__(self, message: EmailMessage) -> None:
        self.message = message
        self.notes: list[str] = []
        self.charset_hint: str | None = None

    def header(self, name: str) -> str:
        """A header's decoded value ("" when missing or unreadable), never raising."""
        try:
            value = self.message.get(name)
        except Exception:  # the header parser of policy.default on damaged input
            # The unparsed value: get_all() would run the same failing parser again.
            wanted = name.lower()
            raw = [v for k, v in self.message.raw_items() if k.lower() == wanted]
            value = str(raw[0]) if raw else None
            self.notes.append(f"header {name} could not be decoded")
        if value is None:
            return ""
        text = str(value)
        if has_surrogates(text):
            text = repair_header(text, self.charset_hint)
            self.notes.append(f"header {name} held raw 8-bit bytes")
        return storable(text)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        value = self.header(name)
        return [(n, a) for n, a in getaddresses([value]) if a and "@" in a]

    def part_text(self, part: Message) -> str:
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            return ""
        declared = part.get_content_charset()
        text, codec = decode_text(data, declared)
        if declared and codec.startswith(("guess:", "replace:")):
            self.notes.append(f"{part.get_content_type()} declared {declared}, read as {codec}")
        elif not declared and codec != "utf-8" and data.strip() and not data.isascii():
            self.notes.append(f"{part.get_content_type()} declared no charset, read as {codec}")
        return storable(text)


def email_parse(raw: bytes) -> ParsedEmail:
    """Parse raw MIME (see the module); `MimeError` when it cannot be read."""
    if not raw.strip():
        raise MimeError("the message is empty")
    try:
        message = BytesParser(policy=PARSE_POLICY).parsebytes(raw)
    except Exception as error:
        raise MimeError(f"unreadable MIME: {type(error).__name__}: {error}") from error
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default makes these
        raise MimeError("unreadable MIME")
    reader = _Reader(message)
    reader.charset_hint = _first_charset(message)
    if message.get_content_maintype() == "multipart":
        damage = [type(d).__name__ for d in message.defects if type(d).__name__ in _FATAL_DEFECTS]
        if damage:
            raise MimeError(f"broken MIME: {', '.join(damage)} (the parts cannot be separated)")
    senders = reader.addresses("From") or reader.addresses("Sender")
    if not senders:
        fallback = parseaddr(reader.header("Return-Path"))[1]
        if "@" not in fallback:
            raise MimeError("no sender address (From)")
        senders = [("", fallback)]
    sender_name, sender = senders[0]
    text_part, html_part = _body_parts(message)
    html_text = reader.part_text(html_part) if html_part is not None else ""
    whole = reader.part_text(text_part) if text_part is not None else html_to_text(html_text)
    folded = fold_reply(whole.replace("\r\n", "\n"))
    recipients: list[str] = []
    for name in _RECIPIENT_HEADERS:
        recipients += [address.lower() for _, address in reader.addresses(name)]
    content_type = message.get_content_type()
    return ParsedEmail(
        message_id=message_id_normalise(reader.header("Message-ID")),
        in_reply_to=message_ids(reader.header("In-Reply-To")),
        references=message_ids(reader.header("References")),
        subject=" ".join(reader.header("Subject").split())[:300],
        sender=sender.strip().lower()[:254],
        sender_name=sender_name.strip()[:200],
        recipients=recipients,
        date=_date(reader.header("Date")),
        text=folded.new,
        text_folded=folded.folded,
        html=sanitize_html(html_text),
        attachments=list(_attachments(message, reader, skip=(text_part, html_part))),
        automatic=automatic_detect(
            reader.header,
            content_type=content_type,
            report_type=str(message.get_param("report-type", "") or ""),
            sender=sender,
        ),
        notes=reader.notes,
        embedded_ids=_embedded_message_ids(message),
        reply_to=[address.lower() for _, address in reader.addresses("Reply-To")],
        authentication_results=" ".join(reader.header("Authentication-Results").split())[:2000],
    )


def _embedded_message_ids(message: EmailMessage) -> list[str]:
    """The Message-IDs of the messages a report or a forward carries: attached messages
    (message/rfc822) and returned headers (text/rfc822-headers), in order."""
    found: list[str] = []
    for part in _leaves(message):
        content_type = part.get_content_type()
        try:
            if content_type == "message/rfc822":
                inner = part.get_payload()
                headers = inner[0] if isinstance(inner, list) and inner else None
                value = reader_header(headers, "Message-ID") if isinstance(headers, Message) else ""
            elif content_type == "text/rfc822-headers":
                data = part.get_payload(decode=True)
                text = data.decode("utf-8", "replace") if isinstance(data, bytes) else ""
                value = HeaderParser(policy=policy.default).parsestr(text).get("Message-ID", "")
            else:
                continue
        except Exception:  # noqa: S112 - a damaged report names nothing
            continue
        normalised = message_id_normalise(storable(str(value or "")))
        if normalised and normalised not in found:
            found.append(normalised)
    return found[:20]


def _first_charset(message: EmailMessage) -> str | None:
    for part in message.walk():
        charset = part.get_content_charset()
        if charset:
            return charset
    return None


def _body_parts(message: EmailMessage) -> tuple[Message | None, Message | None]:
    text = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    single_text = not message.is_multipart() and message.get_content_maintype() == "text"
    if text is None and html_part is None and single_text:
        return message, None
    return text, html_part


def _attachments(
    message: EmailMessage, reader: _Reader, *, skip: tuple[Message | None, Message | None]
) -> Iterator[ParsedAttachment]:
    skipped = {id(part) for part in skip if part is not None}
    for part in _leaves(message):
        if id(part) in skipped:
            continue
        content_type = part.get_content_type()
        if content_type == "message/rfc822" or content_type.startswith("message/"):
            inner = part.get_payload()
            data = (
                inner[0].as_bytes()
                if isinstance(inner, list) and inner and isinstance(inner[0], Message)
                else part.as_bytes()
            )
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        content_id = message_id_normalise(reader_header(part, "Content-ID")).strip("<>")
        yield ParsedAttachment(
            filename=_filename(part, reader, content_type, content_id),
            content_type=content_type,
            data=data,
            inline=part.get_content_disposition() == "inline" or bool(content_id),
            content_id=content_id,
        )


def _leaves(message: Message) -> Iterator[Message]:
    """The leaf parts; an attached message (message/*) is one leaf, not walked into."""
    if message.is_multipart() and not message.get_content_type().startswith("message/"):
        payload = message.get_payload()
        for part in payload if isinstance(payload, list) else []:
            if isinstance(part, Message):
                yield from _leaves(part)
    else:
        yield message


def reader_header(part: Message, name: str) -> str:
    try:
        value = part.get(name)
    except Exception:
        return ""
    return str(value) if value is not None else ""


_EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "message/delivery-status": ".txt",
}


def _filename(part: Message, reader: _Reader, content_type: str, content_id: str) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
        reader.notes.append("an attachment's file name could not be decoded")
    name = repair_header(str(name), reader.charset_hint)
    name = name.replace("/", "_").replace("\\", "_").replace("\x00", "").strip()
    if not name:
        stem = content_id.split("@")[0] if content_id else "attachment"
        name = f"{stem}{_EXTENSIONS.get(content_type, '')}"
    return name[:255]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo is not None else None


_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/li|/tr|/h[1-6]|hr|/blockquote)\b[^>]*>", re.I)


def html_to_text(markup: str) -> str:
    """The text of an HTML body: block ends become line breaks, tags go, entities are read."""
    if not markup:
        return ""
    marked = _BLOCK_END.sub("\n", markup)
    text = html.unescape(nh3.clean(marked, tags=set()))
    lines = [line.rstrip() for line in text.replace("\xa0", " ").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
