"""Attachments: refused before anything is written, removed if the write fails."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from afterdesk.core.errors import PayloadTooLarge, UnsupportedMediaType
from afterdesk.tickets.models import (
    Attachment,
    Message,
)


def attachments_validate(files: Sequence[UploadedFile]) -> None:
    """Refuse oversized or disallowed files before anything is written."""
    for upload in files:
        if upload.size is not None and upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise PayloadTooLarge(
                f"attachment {upload.name!r} is {upload.size} bytes; the limit is "
                f"{settings.ATTACHMENT_MAX_BYTES} bytes",
                field="attachments",
            )
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if content_type not in settings.ATTACHMENT_ALLOWED_TYPES:
            raise UnsupportedMediaType(
                f"attachment {upload.name!r} has a content type that is not allowed: "
                f"{content_type or 'unknown'}",
                field="attachments",
            )


def attachments_save(*, message: Message, files: Sequence[UploadedFile]) -> None:
    saved: list[Attachment] = []
    try:
        for upload in files:
            attachment = Attachment(
                message=message,
                filename=(upload.name or "attachment")[:255],
                content_type=(upload.content_type or "").split(";")[0].strip().lower(),
                size=upload.size or 0,
            )
            attachment.file.save(attachment.token, upload, save=False)
            saved.append(attachment)
            attachment.save()
    except Exception:
        # The transaction rolls the rows back; the files it wrote must go too.
        for attachment in saved:
            attachment.file.delete(save=False)
        raise
