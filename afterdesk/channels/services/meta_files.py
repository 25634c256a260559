"""The files of Messenger and Instagram messages, downloaded onto the ticket message
(docs/channels.md, "Messenger and Instagram").

Meta's webhooks name a message's attachments by URLs on its servers that expire. Each image,
video, audio or file becomes a `RelayAttachment` with the message (`services.relays`); here,
in the background (right after the webhook, and every minute for what is due), it is
downloaded — at most ATTACHMENT_MAX_BYTES, read no further — and goes through the tickets'
attachment rules (`tickets.services.attachments_check`: size, the type sniffed from the
content, the message's total) onto the ticket message. The message's text keeps the link
whatever happens: a download refused (too large, a type not allowed, an address of the
desk's own network) or failing after its retries leaves the row `failed` with the reason.
Network errors, 429 and 5xx are tried again after 1, 5 and 25 minutes.
"""

from __future__ import annotations

import logging
import mimetypes
import posixpath
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from afterdesk.channels.relay_models import RelayAttachment, RelayAttachmentState
from afterdesk.channels.services.outbound import (
    OPENER,
    PRIVATE_HOSTS_ENV,
    HostUnresolved,
    host_refusal,
    private_hosts_allowed,
)
from afterdesk.core.errors import DomainError
from afterdesk.tickets import services as tickets
from afterdesk.tickets.models import Attachment

logger = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 25)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
CLAIM_MINUTES = 10
TIMEOUT_SECONDS = 30
DUE_BATCH = 50
NAME_CHARS = 100


class FetchError(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def files_fetch_due(*, message_ids: list[int] | None = None) -> list[str]:
    """Download every file whose time has come (of these messages only, when given)."""
    due = RelayAttachment.objects.filter(
        state=RelayAttachmentState.PENDING, next_attempt_at__lte=timezone.now()
    )
    if message_ids is not None:
        due = due.filter(message_id__in=message_ids)
    ids = list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:DUE_BATCH])
    return [file_fetch(file_id) for file_id in ids]


def file_fetch(file_id: int, *, now: datetime | None = None) -> str:
    """Download one file if it is due and nobody else is at it (one conditional UPDATE
    claims it); what happened."""
    now = now or timezone.now()
    claimed = RelayAttachment.objects.filter(
        pk=file_id, state=RelayAttachmentState.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + timedelta(minutes=CLAIM_MINUTES), attempts=F("attempts") + 1)
    if claimed != 1:
        return f"file {file_id}: nothing to do"
    file = RelayAttachment.objects.select_related("message__ticket_message").get(pk=file_id)
    message = file.message.ticket_message
    try:
        if message is None:
            raise FetchError("the ticket message is gone", transient=False)
        name, content_type, data = download(file.url, kind=file.kind)
        checked = _check(message.pk, name, content_type, data)
        with transaction.atomic():
            tickets.attachments_save(message=message, files=[checked])
            saved = Attachment.objects.filter(message=message).order_by("-id").first()
            RelayAttachment.objects.filter(pk=file.pk).update(
                state=RelayAttachmentState.FETCHED,
                attachment=saved,
                next_attempt_at=None,
                last_error="",
            )
    except FetchError as error:
        return _failure_record(file, error, now)
    return f"file {file_id}: saved as {checked.name} ({len(checked.content)} bytes)"


def _check(message_id: int, name: str, content_type: str, data: bytes) -> tickets.AttachmentIn:
    """The tickets' rules for one more file of the message (its total included)."""
    try:
        checked = tickets.attachments_check([tickets.AttachmentIn(name, content_type, data)])[0]
    except DomainError as error:
        raise FetchError(f"not kept: {error.message}", transient=False) from error
    before = (
        Attachment.objects.filter(message_id=message_id).aggregate(total=Sum("size"))["total"] or 0
    )
    if before + len(data) > settings.ATTACHMENT_MAX_TOTAL_BYTES:
        raise FetchError(
            f"not kept: the message's files would come to {before + len(data)} bytes; the "
            f"limit is {settings.ATTACHMENT_MAX_TOTAL_BYTES} bytes",
            transient=False,
        )
    return checked


def download(url: str, *, kind: str) -> tuple[str, str, bytes]:
    """(file name, declared type, bytes) of a file, read up to ATTACHMENT_MAX_BYTES."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and private_hosts_allowed()):
        raise FetchError(
            f"only https:// files are downloaded (plain http with {PRIVATE_HOSTS_ENV}=1)",
            transient=False,
        )
    try:
        refusal = host_refusal(url)
    except HostUnresolved as error:
        raise FetchError(str(error), transient=True) from error
    if refusal:
        raise FetchError(refusal, transient=False)
    limit = int(settings.ATTACHMENT_MAX_BYTES)
    request = urllib.request.Request(url, headers={"User-Agent": "Afterdesk"})  # noqa: S310
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(_too_large(int(declared), limit), transient=False)
            data = response.read(limit + 1)
            content_type = response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        transient = error.code >= 500 or error.code in (408, 429)
        raise FetchError(
            f"{parts.hostname} answered {error.code} {error.reason}", transient=transient
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"{parts.hostname} cannot be reached: {reason}", transient=True) from error
    if len(data) > limit:
        raise FetchError(_too_large(len(data), limit, at_least=True), transient=False)
    return file_name(url, kind=kind, content_type=content_type), content_type, data


def _too_large(size: int, limit: int, *, at_least: bool = False) -> str:
    more = "more than " if at_least else ""
    return f"not kept: the file is {more}{size} bytes; the limit is {limit} bytes"


def file_name(url: str, *, kind: str, content_type: str) -> str:
    """The URL's last path segment when it has an extension, else `<kind><extension of the
    type>` (Meta's CDN names are long and often have none)."""
    base = posixpath.basename(unquote(urlsplit(url).path)).strip()
    if "." in base.strip(".") and len(base) <= NAME_CHARS:
        return base
    extension = mimetypes.guess_extension(content_type) or ""
    return f"{kind or 'file'}{extension}"


def _failure_record(file: RelayAttachment, error: FetchError, now: datetime) -> str:
    final = not error.transient or file.attempts >= MAX_ATTEMPTS
    RelayAttachment.objects.filter(pk=file.pk).update(
        state=RelayAttachmentState.FAILED if final else RelayAttachmentState.PENDING,
        next_attempt_at=None
        if final
        else now + timedelta(minutes=BACKOFF_MINUTES[file.attempts - 1]),
        last_error=str(error)[:2000],
    )
    logger.warning("meta file %s (try %s): %s", file.pk, file.attempts, error)
    return f"file {file.pk}: {'failed' if final else 'will retry'}: {error}"
