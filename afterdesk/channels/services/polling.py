"""IMAP polling (docs/channels.md, "Polling"): each enabled mailbox's folder, by UID.

- The folder's UIDVALIDITY is kept with the highest UID stored (`last_uid`). A new
  UIDVALIDITY (the server renumbered the folder) starts again from UID 1: the messages seen
  before are recognised by their Message-ID (or bytes) in `email_ingest` and stored once.
- Only UIDs above `last_uid` are fetched (`BODY.PEEK[]`: the folder is opened read-only and
  nothing is marked read), oldest first, at most POLL_BATCH per poll.
- The messages go through the ingester a batch at a time (`services.batch`: stored raw
  first, then processed), and only then `last_uid` moves past the batch: a crash between
  the two fetches those messages again next time, which the ingester recognises. Two
  polls of one mailbox at once store each message once too.
- A server that fails (down, a refused login, a password that cannot be decrypted) is
  recorded on the mailbox (`last_poll_error`, `last_poll_error_at`) and tried again at the
  next period; the poll returns instead of raising.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from afterdesk.channels.mailbox_models import MailboxConnection
from afterdesk.channels.models import Mailbox
from afterdesk.channels.services.batch import BATCH_SIZE, email_ingest_many
from afterdesk.channels.services.mail_servers import (
    MAIL_ERRORS,
    MailServerError,
    error_text,
    imap_close,
    imap_connect,
    quoted_folder,
)

logger = logging.getLogger(__name__)

POLL_BATCH = 500
_UID_IN_FETCH = re.compile(rb"UID (\d+)")


@dataclass
class PollResult:
    mailbox: Mailbox
    stored: int = 0  # new rows written
    duplicates: int = 0  # fetched but known already
    uids: list[int] = field(default_factory=list)
    resynced: bool = False  # UIDVALIDITY changed
    error: str = ""
    more: bool = False  # more than POLL_BATCH were waiting

    def line(self) -> str:
        if self.error:
            return f"{self.mailbox.address}: failed: {self.error}"
        parts = [f"{self.stored} new", f"{self.duplicates} known"]
        if self.resynced:
            parts.append("UIDVALIDITY changed: folder read again")
        if self.more:
            parts.append("more waiting")
        return f"{self.mailbox.address}: " + ", ".join(parts)


def mailboxes_to_poll() -> list[Mailbox]:
    return list(
        Mailbox.objects.filter(connection__enabled=True)
        .exclude(Q(connection__imap_host="") | Q(connection__imap_host__isnull=True))
        .select_related("connection")
        .order_by("id")
    )


def mailboxes_poll() -> list[PollResult]:
    """Poll every enabled mailbox with an IMAP server; one failing never stops the others."""
    return [mailbox_poll(mailbox) for mailbox in mailboxes_to_poll()]


def mailbox_poll(mailbox: Mailbox) -> PollResult:
    result = PollResult(mailbox)
    connection = MailboxConnection.objects.get(mailbox=mailbox)
    started = timezone.now()
    try:
        _poll(connection, result)
    except (*MAIL_ERRORS, MailServerError) as error:
        result.error = error_text(error)
        logger.warning("polling %s failed: %s", mailbox.address, result.error)
    _state_record(connection, started=started, error=result.error)
    return result


def _poll(connection: MailboxConnection, result: PollResult) -> None:
    client = imap_connect(connection)
    try:
        status, _data = client.select(quoted_folder(connection.imap_folder), readonly=True)
        if status != "OK":
            raise MailServerError(f"the server refused to open folder {connection.imap_folder!r}")
        uidvalidity = _uidvalidity(client)
        last_uid = _sync_uidvalidity(connection, uidvalidity, result)
        uids = _uids_after(client, last_uid)
        result.more = len(uids) > POLL_BATCH
        wanted = uids[:POLL_BATCH]
        for start in range(0, len(wanted), BATCH_SIZE):
            chunk = wanted[start : start + BATCH_SIZE]
            fetched = [raw for raw in (_fetch(client, uid) for uid in chunk) if raw is not None]
            for outcome in email_ingest_many(fetched, source="imap", mailbox=connection.mailbox):
                if isinstance(outcome, OSError):  # not stored: fetched again next time
                    raise outcome
                if outcome.stored:
                    result.stored += 1
                else:
                    result.duplicates += 1
            # Stored (or gone from the server): never fetched again under this UIDVALIDITY.
            MailboxConnection.objects.filter(
                pk=connection.pk, uidvalidity=uidvalidity, last_uid__lt=chunk[-1]
            ).update(last_uid=chunk[-1])
            result.uids += chunk
    finally:
        imap_close(client)


def _uidvalidity(client: object) -> int:
    _status, data = client.response("UIDVALIDITY")  # type: ignore[attr-defined]
    value = data[0] if data else None
    if not value:
        raise MailServerError("the server sent no UIDVALIDITY for the folder")
    return int(value)


def _sync_uidvalidity(connection: MailboxConnection, uidvalidity: int, result: PollResult) -> int:
    """The last UID stored under `uidvalidity`; a new UIDVALIDITY starts from 0."""
    connection.refresh_from_db(fields=["uidvalidity", "last_uid"])
    if connection.uidvalidity == uidvalidity:
        return connection.last_uid
    result.resynced = connection.uidvalidity is not None
    MailboxConnection.objects.filter(pk=connection.pk).update(uidvalidity=uidvalidity, last_uid=0)
    connection.uidvalidity, connection.last_uid = uidvalidity, 0
    return 0


def _uids_after(client: object, last_uid: int) -> list[int]:
    status, data = client.uid("SEARCH", None, f"UID {last_uid + 1}:*")  # type: ignore[attr-defined]
    if status != "OK":
        raise MailServerError(f"UID SEARCH failed: {data!r}")
    found = {int(uid) for chunk in data if chunk for uid in chunk.split()}
    # "n:*" always names the newest message, even when its UID is below n.
    return sorted(uid for uid in found if uid > last_uid)


def _fetch(client: object, uid: int) -> bytes | None:
    """The message's bytes, or None when it was expunged in the meantime."""
    status, data = client.uid("FETCH", str(uid), "(UID BODY.PEEK[])")  # type: ignore[attr-defined]
    if status != "OK":
        raise MailServerError(f"UID FETCH {uid} failed: {data!r}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            named = _UID_IN_FETCH.search(item[0])
            if named is None or int(named.group(1)) == uid:
                return bytes(item[1])
    return None


def _state_record(connection: MailboxConnection, *, started: datetime, error: str) -> None:
    now = timezone.now()
    if error:
        MailboxConnection.objects.filter(pk=connection.pk).update(
            last_poll_at=started, last_poll_error=error, last_poll_error_at=now
        )
    else:
        MailboxConnection.objects.filter(pk=connection.pk).update(
            last_poll_at=started, last_poll_ok_at=now, last_poll_error=""
        )
