"""Attachments: checked by their content before anything is written, removed if the write fails.

`attachments_check` is the one check every way in uses (the API, the ticket page and channels
such as email): a plain function of (name, declared type, bytes). The declared type is only a
claim: a binary type must be what `filetype` finds in the bytes, a text type must be text
(decodes, no NUL or control bytes, no HTML or script markup), and the files of one message
together stay under ATTACHMENT_MAX_TOTAL_BYTES. A mismatch is refused (HTTP 415) naming the
file, never stored under a type it is not. Only a generic declared type
(application/octet-stream, or none, as some mail clients send) is replaced by the sniffed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile

from afterdesk.core.errors import PayloadTooLarge, UnsupportedMediaType
from afterdesk.tickets.models import (
    Attachment,
    Message,
)

# Declared types that carry text: filetype cannot recognise them, so their bytes are checked
# (as is any other text/* type an admin adds to ATTACHMENT_ALLOWED_TYPES, and JSON).
TEXT_TYPES = frozenset({"text/plain", "text/csv", "message/rfc822", "application/json"})
# Text types in which markup is refused; the others (a forwarded e-mail holds HTML parts, an
# allowed text/html is HTML) are only ever downloaded, never rendered.
_MARKUP_REFUSED = frozenset({"text/plain", "text/csv"})
# Text that a browser would run if it ever rendered the file (refused in text/plain, text/csv).
_MARKUP = re.compile(
    r"<(script|html|body|head|iframe|frame|object|embed|svg|meta|style)\b"
    r"|<!doctype|<\?xml|javascript:",
    re.IGNORECASE,
)
# C0 control characters other than tab, line feed, form feed, carriage return (and NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# A zip that filetype does not recognise as an Office document may still be one.
_ZIP_BASED = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
_ALIASES = {"image/jpg": "image/jpeg", "application/x-zip-compressed": "application/zip"}
_GENERIC = frozenset({"", "application/octet-stream"})
# Attachments a browser may show inline; everything else (SVG and HTML above all) downloads.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


class AttachmentIn(NamedTuple):
    """One file as received: its name, the type the sender declared, its bytes."""

    name: str
    content_type: str
    content: bytes


def _normalise(content_type: str | None) -> str:
    bare = (content_type or "").split(";")[0].strip().lower()
    return _ALIASES.get(bare, bare)


def _is_plain_text(content: bytes, *, markup_allowed: bool) -> bool:
    """UTF-8 (or UTF-16 with its byte order mark, or Windows-1252 as spreadsheets export CSV),
    no control bytes, and, unless allowed, no HTML or script markup."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "cp1252")
    for encoding in encodings:
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            return False
        return markup_allowed or not _MARKUP.search(text)
    return False


# Types filetype does not know, by their magic bytes: winmail.dat (TNEF), which Outlook
# attaches to mail and the email channel keeps (docs/channels.md).
_SIGNATURES = ((b"\x78\x9f\x3e\x22", "application/vnd.ms-tnef"),)


def _sniff(content: bytes) -> str:
    sniffed = _normalise(filetype.guess_mime(content))
    if sniffed:
        return sniffed
    return next((kind for magic, kind in _SIGNATURES if content.startswith(magic)), "")


def _checked_type(name: str, declared: str, content: bytes) -> str:
    """The type the file is stored under, or UnsupportedMediaType naming the file."""
    allowed = settings.ATTACHMENT_ALLOWED_TYPES
    if (declared in TEXT_TYPES or declared.startswith("text/")) and declared in allowed:
        if _is_plain_text(content, markup_allowed=declared not in _MARKUP_REFUSED):
            return declared
        raise UnsupportedMediaType(
            f"attachment {name!r} is declared as {declared} but is not plain text",
            field="attachments",
        )
    sniffed = _sniff(content)
    if declared in _GENERIC and sniffed in allowed:
        return sniffed
    if declared not in allowed:
        raise UnsupportedMediaType(
            f"attachment {name!r} has a content type that is not allowed: {declared or 'unknown'}",
            field="attachments",
        )
    if sniffed == declared or (declared in _ZIP_BASED and sniffed == "application/zip"):
        return declared
    raise UnsupportedMediaType(
        f"attachment {name!r} is declared as {declared} but its content is "
        f"{sniffed or 'not recognised'}",
        field="attachments",
    )


def attachments_check(files: Iterable[AttachmentIn]) -> list[AttachmentIn]:
    """Check one message's files; return them with the type each is stored under. Refuses
    (413) a file over ATTACHMENT_MAX_BYTES or files over ATTACHMENT_MAX_TOTAL_BYTES together,
    and (415) a type not allowed or not matching the content."""
    checked: list[AttachmentIn] = []
    total = 0
    for name, declared, content in files:
        _size_check(name, len(content), total)
        total += len(content)
        content_type = _checked_type(name, _normalise(declared), content)
        checked.append(AttachmentIn(name, content_type, content))
    return checked


def _size_check(name: str, size: int, total_before: int) -> None:
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise PayloadTooLarge(
            f"attachment {name!r} is {size} bytes; the limit is "
            f"{settings.ATTACHMENT_MAX_BYTES} bytes",
            field="attachments",
        )
    if total_before + size > settings.ATTACHMENT_MAX_TOTAL_BYTES:
        raise PayloadTooLarge(
            f"attachment {name!r} brings the message's attachments to {total_before + size} "
            f"bytes; the limit for one message is {settings.ATTACHMENT_MAX_TOTAL_BYTES} bytes",
            field="attachments",
        )


def attachments_validate(files: Sequence[UploadedFile | AttachmentIn]) -> list[AttachmentIn]:
    """Uploaded files read and checked (`attachments_check`); sizes are checked before a
    file is read, so an oversized upload is never loaded into memory."""
    received: list[AttachmentIn] = []
    total = 0
    for upload in files:
        if isinstance(upload, AttachmentIn):
            received.append(upload)
            continue
        name = upload.name or "attachment"
        _size_check(name, upload.size or 0, total)
        total += upload.size or 0
        upload.seek(0)
        received.append(AttachmentIn(name, upload.content_type or "", upload.read()))
    return attachments_check(received)


def attachments_save(*, message: Message, files: Sequence[AttachmentIn]) -> None:
    """Store checked files (`attachments_check`) with the message."""
    saved: list[Attachment] = []
    try:
        for file in files:
            attachment = Attachment(
                message=message,
                filename=(file.name or "attachment")[:255],
                content_type=file.content_type,
                size=len(file.content),
            )
            attachment.file.save(attachment.token, ContentFile(file.content), save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        # The transaction rolls the rows back; the files it wrote must go too.
        for attachment in saved:
            attachment.file.delete(save=False)
        raise


def attachment_inline_type(attachment: Attachment) -> str | None:
    """The image type a browser may show the file as (inline), when the stored bytes really
    are that raster image; None means: download it (application/octet-stream)."""
    if attachment.content_type not in INLINE_TYPES:
        return None
    with attachment.file.open("rb") as handle:
        head = handle.read(512)
    return (
        attachment.content_type
        if _normalise(filetype.guess_mime(head)) == (attachment.content_type)
        else None
    )
