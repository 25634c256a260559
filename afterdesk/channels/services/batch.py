"""Inbound email in batches (docs/channels.md, "Batches"): `email_ingest_many` and
`emails_process` do for many messages what `email_ingest` and `email_process` do for one,
with the same outcome message for message, in a few statements per batch instead of about
fifteen per message:

1. **Raw first.** The batch's bytes are written to MEDIA_ROOT and its `InboundEmail` rows
   inserted (state `received`) and committed, before anything parses them: the originals with
   one INSERT, the duplicates with one more. Duplicates inside the batch are recognised as
   across batches (the same key and bytes store nothing; the same key with other bytes is a
   `duplicate` row). If the INSERT fails (another process stored one of the Message-IDs
   first), the batch's messages are stored one by one by `email_ingest`, which resolves the
   race message by message.
2. **Parsed** outside any transaction; a message that cannot be read is `failed` with its
   reason, as `email_process` leaves it.
3. **Routed and written in one transaction**: the rows locked (state read again under the
   lock), then threads, buyers and orders looked up for the whole batch and the tickets
   written through `tickets.services.TicketBatch` (`batch_route`). Attachments are saved per
   message, the rows updated with one statement.
4. **One failure fails nothing else.** If the batch's transaction raises, it is rolled back
   and its messages are processed one by one by `email_process`: the one that fails is
   `failed` with its reason, the others go through.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from afterdesk.channels.mime import MimeError, email_parse, raw_message_id, storable
from afterdesk.channels.models import InboundEmail, InboundState, Mailbox
from afterdesk.channels.services.batch_route import BatchRouter, Routed
from afterdesk.channels.services.ingest import (
    PENDING,
    IngestResult,
    _attachments_add,
    _message_of,
    _raw_store,
    email_ingest,
    email_process,
)
from afterdesk.channels.services.threading import message_id_key
from afterdesk.tickets.services.batch import LateEventInBatch, rows_update

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # messages per transaction: large enough that per-batch work is noise

# What routing changes on an inbound row (`email_process` saves the whole row).
_ROUTED_FIELDS = (
    "state",
    "reason",
    "automatic_kind",
    "sender",
    "subject",
    "ticket",
    "ticket_message",
    "text_folded",
    "html",
    "notes",
    "triage",
    "attempts",
    "processed_at",
)


def email_ingest_many(
    raws: Sequence[bytes],
    *,
    source: str,
    mailbox: Mailbox | None = None,
    received_at: Sequence[datetime | None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[IngestResult | OSError]:
    """`email_ingest` of each message, in order, a batch at a time (see the module). Per
    message: its result, or the OSError that kept its raw copy from being written (nothing
    stored for it, as `email_ingest` raises)."""
    results: list[IngestResult | OSError] = []
    for start in range(0, len(raws), batch_size):
        chunk = raws[start : start + batch_size]
        times = received_at[start : start + batch_size] if received_at else [None] * len(chunk)
        results += _ingest_batch(chunk, times, source=source, mailbox=mailbox)
    return results


def _ingest_batch(
    raws: Sequence[bytes],
    times: Sequence[datetime | None],
    *,
    source: str,
    mailbox: Mailbox | None,
) -> list[IngestResult | OSError]:
    keyed = []
    for raw in raws:
        sha256 = hashlib.sha256(raw).hexdigest()
        message_id = raw_message_id(raw)
        keyed.append((sha256, message_id, message_id_key(message_id) if message_id else ""))
    keys = [key or f"sha256:{sha256}" for sha256, _mid, key in keyed]
    originals: dict[str, InboundEmail] = {
        row.dedup_key: row
        for row in InboundEmail.objects.filter(dedup_key__in=set(keys)).exclude(
            state=InboundState.DUPLICATE
        )
    }
    results: list[IngestResult | OSError | None] = []
    rows: list[InboundEmail] = []  # to insert, in message order
    new: list[InboundEmail] = []
    duplicates: list[InboundEmail] = []
    in_batch: dict[str, InboundEmail] = {}  # originals stored by this batch
    raw_of: dict[int, bytes] = {}  # id(row) -> bytes
    for raw, (sha256, message_id, _key), key, at in zip(raws, keyed, keys, times, strict=True):
        original = originals.get(key) or in_batch.get(key)
        if original is not None and original.sha256 == sha256:
            results.append(IngestResult(original, stored=False))
            continue
        inbound = InboundEmail(
            mailbox=mailbox,
            source=source[:20],
            size=len(raw),
            sha256=sha256,
            message_id=message_id[:1000],
            dedup_key=key,
            received_at=at or timezone.now(),
        )
        try:
            _raw_store(inbound, raw)
        except OSError as error:
            results.append(error)
            continue
        rows.append(inbound)
        if original is None:
            in_batch[key] = inbound
            new.append(inbound)
            raw_of[id(inbound)] = raw
        else:
            inbound.state = InboundState.DUPLICATE
            inbound.duplicate_of = original
            inbound.ticket_id = original.ticket_id
            inbound.reason = f"same Message-ID as inbound #{original.pk}, other content"
            inbound.processed_at = timezone.now()
            duplicates.append(inbound)
        results.append(IngestResult(inbound, stored=True))
    try:
        with transaction.atomic():
            _rows_insert(rows)
    except DatabaseError:
        # Another process stored one of these Message-IDs first (or the two waited on each
        # other): one by one, each message's race is resolved as `email_ingest` resolves it.
        logger.info("inbound batch of %s stored one by one", len(raws))
        return [
            _ingest_one(raw, source=source, mailbox=mailbox, at=at)
            for raw, at in zip(raws, times, strict=True)
        ]
    emails_process(new, raws={inbound.pk: raw_of[id(inbound)] for inbound in new})
    for inbound in duplicates:
        original = inbound.duplicate_of
        if original is not None and original.ticket_id != inbound.ticket_id:
            # A duplicate of a message of this batch: the ticket its original got.
            inbound.ticket_id = original.ticket_id
            InboundEmail.objects.filter(pk=inbound.pk).update(ticket_id=original.ticket_id)
    return [result for result in results if result is not None]


def _rows_insert(rows: Sequence[InboundEmail]) -> None:
    """Insert the rows in message order (their numbers as one by one): with one INSERT, or
    one more before each duplicate of a message of the same batch (its reason names the
    original's number)."""
    segment: list[InboundEmail] = []
    for inbound in rows:
        original = inbound.duplicate_of
        if original is not None and original.pk is None:
            InboundEmail.objects.bulk_create(segment)
            segment = []
        if original is not None:
            inbound.reason = f"same Message-ID as inbound #{original.pk}, other content"
        segment.append(inbound)
    InboundEmail.objects.bulk_create(segment)


def _ingest_one(
    raw: bytes, *, source: str, mailbox: Mailbox | None, at: datetime | None
) -> IngestResult | OSError:
    try:
        return email_ingest(raw, source=source, mailbox=mailbox, received_at=at)
    except OSError as error:
        return error


def emails_process(
    inbounds: Sequence[InboundEmail], *, raws: Mapping[int, bytes] | None = None
) -> list[InboundEmail]:
    """`email_process` of each row, in order, in one transaction (see the module); `raws`:
    their bytes by row id when the caller has them (else read from their files). Returns
    the rows as they now are."""
    raws = raws or {}
    routed: list[Routed] = []
    failures: list[tuple[InboundEmail, str]] = []
    max_bytes = int(getattr(settings, "EMAIL_INBOUND_MAX_BYTES", 40 * 1024 * 1024))
    for inbound in inbounds:
        inbound.attempts += 1
        try:
            raw = raws.get(inbound.pk)
            if raw is None:
                with inbound.raw.open("rb") as file:
                    raw = file.read()
            if len(raw) > max_bytes:
                raise MimeError(f"the message is {len(raw)} bytes; the limit is {max_bytes} bytes")
            routed.append(Routed(inbound, email_parse(raw)))
        except MimeError as error:
            failures.append((inbound, str(error)))
        except Exception as error:  # nothing lost: the raw message stays, listed as failed
            logger.exception("inbound email %s failed", inbound.pk)
            failures.append((inbound, f"{type(error).__name__}: {error}"))
    try:
        _route_batch(routed)
    except LateEventInBatch as error:
        logger.info("inbound batch processed one by one: %s", error)
        _one_by_one(routed)
    except Exception:
        logger.exception("inbound batch failed; its messages are processed one by one")
        _one_by_one(routed)
    for inbound, reason in failures:
        _failed(inbound, reason)
    return list(inbounds)


def _one_by_one(routed: Sequence[Routed]) -> None:
    """After a batch rolled back: each message through `email_process`, from its row as
    stored (the batch's changes to the objects went with the rollback)."""
    fresh = {
        row.pk: row for row in InboundEmail.objects.filter(pk__in=[r.inbound.pk for r in routed])
    }
    for message in routed:
        done = email_process(fresh[message.inbound.pk])
        # The caller's objects (the CLI prints from them) show the outcome.
        message.inbound.__dict__.update(done.__dict__)


def _route_batch(routed: Sequence[Routed]) -> None:
    if not routed:
        return
    with transaction.atomic():
        pks = [message.inbound.pk for message in routed]
        pending = set(
            InboundEmail.objects.select_for_update()
            .filter(pk__in=pks, state__in=PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for message in routed:
            if message.inbound.pk not in pending:  # processed meanwhile
                message.inbound.refresh_from_db()
        todo = [message for message in routed if message.inbound.pk in pending]
        if not todo:
            return
        router = BatchRouter(todo)
        for message in todo:
            router.route(message)
        router.finish()
        now = timezone.now()
        for message in todo:
            inbound = message.inbound
            if message.event is not None:
                inbound.ticket_message = _message_of(message.event)
                inbound.notes += _attachments_add(inbound.ticket_message, message.parsed)
            inbound.processed_at = now
        rows_update([message.inbound for message in todo], _ROUTED_FIELDS)


def _failed(inbound: InboundEmail, reason: str) -> None:
    """`email_process`'s failure: only a row still pending is marked failed."""
    reason = storable(reason)
    InboundEmail.objects.filter(pk=inbound.pk, state__in=PENDING).update(
        state=InboundState.FAILED,
        reason=reason[:2000],
        ticket=None,
        ticket_message=None,
        attempts=inbound.attempts,
        processed_at=timezone.now(),
        sender=inbound.sender,
        subject=inbound.subject,
        notes=inbound.notes,
    )
    inbound.refresh_from_db()


def emails_retry(inbounds: Sequence[InboundEmail]) -> list[InboundEmail]:
    """`email_retry` of many: those still failed or never processed, a batch at a time."""
    pending = [inbound for inbound in inbounds if inbound.state in PENDING]
    for start in range(0, len(pending), BATCH_SIZE):
        emails_process(pending[start : start + BATCH_SIZE])
    return list(inbounds)
