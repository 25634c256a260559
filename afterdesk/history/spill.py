"""The lines the check pass parsed, kept on disk for the write passes.

Parsing a line (JSON, checks, times) and fingerprinting an event cost more than writing it, so
each line is parsed once: the check pass turns every ticket and event line into a compact
record, and a `Spill` stores them (`marshal`, a block per chunk of the file) in an anonymous
temporary file. The write passes read the records back instead of the file. Memory stays
bounded: only one block is held.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import marshal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

from afterdesk.core.timeutil import format_instant
from afterdesk.history.schema import EventLine, TicketLine
from afterdesk.tickets.events import event_columns

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# An event line as the event pass writes it, everything the database does not decide done:
# (line number, ticket id, type, `at` as UTC microseconds, fingerprint, stored fields as
# JSON, subtype, score, agent id or None, team name of an `assign` or "", message body or "",
# `at` in ISO 8601 for PostgreSQL's COPY text)
EventRecord = tuple[int, str, str, int, str, str, str, float | None, str | None, str, str, str]

# json.dumps(…, sort_keys=True, ensure_ascii=False, separators=(",", ":")), as
# `event_fingerprint` calls it, builds an encoder per call; build the same one once.
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_encode: Callable[[Any], str] = _ENCODER.encode
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
if _c_make_encoder is not None:  # CPython's C encoder: what `encode` uses
    _c_encoder = _c_make_encoder(
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )

    def _encode(value: Any) -> str:
        return "".join(_c_encoder(value, 0))


def fingerprint(kind: str, at: datetime, fields: dict[str, Any]) -> str:
    """`tickets.events.event_fingerprint` for fields already in canonical form (as parsed
    lines hold them): canonicalising is idempotent, so the result is the same."""
    payload = {"type": kind, "at": format_instant(at), "fields": fields}
    return hashlib.sha256(_encode(payload).encode()).hexdigest()


def to_micros(at: datetime) -> int:
    delta = at - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def event_record(number: int, line: EventLine) -> EventRecord:
    """What `tickets.services.event_record` would store for the line: a message's body lives
    in its Message row (a complaint's body is one of its fields)."""
    kind, stored = line.kind, line.fields
    body = ""
    if kind == "message" and "body" in stored:
        stored = dict(stored)
        body = stored.pop("body") or ""
    subtype, score = event_columns(kind, stored)
    agent = stored.get("agent")
    return (
        number,
        line.ticket,
        kind,
        to_micros(line.at),
        fingerprint(kind, line.at, line.fields),
        json.dumps(stored),  # what JSONField writes
        subtype,
        score,
        agent if isinstance(agent, str) else None,
        (stored.get("team") or "") if kind == "assign" else "",
        body,
        # in UTC: PostgreSQL takes offsets up to ±15:59 only, ISO 8601 up to ±23:59
        line.at.astimezone(UTC).isoformat(),
    )


def ticket_record(number: int, line: TicketLine) -> tuple[Any, ...]:
    return (
        number,
        line.id,
        to_micros(line.created_at),
        line.channel,
        line.subject,
        line.platform,
        line.store,
        line.market,
        line.language,
        line.category,
        line.priority,
        line.calendar,
        None if line.order_value is None else str(line.order_value),
        line.currency,
    )


@dataclass(frozen=True)
class SpillBlocks:
    """The ticket and event records of one chunk of lines, `marshal`led (cheap to send from a
    worker process and written to the spill file as they are)."""

    tickets: bytes = b""
    ticket_count: int = 0
    events: bytes = b""
    event_count: int = 0

    @classmethod
    def of(cls, *, tickets: list[Any], events: list[EventRecord]) -> SpillBlocks:
        return cls(
            tickets=marshal.dumps(tickets) if tickets else b"",
            ticket_count=len(tickets),
            events=marshal.dumps(events) if events else b"",
            event_count=len(events),
        )


class _Blocks:
    """Records in blocks, each written as its length and its `marshal` bytes (`marshal.load`
    on a file reads it a few bytes at a time; `loads` on one block is fast)."""

    def __init__(self) -> None:
        self.file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Spill.close
        self.count = 0

    def add_block(self, data: bytes, count: int) -> None:
        if count:
            self.file.write(len(data).to_bytes(8, "little") + data)
            self.count += count

    def __iter__(self) -> Iterator[Any]:
        self.file.flush()
        self.file.seek(0)
        while header := self.file.read(8):
            data = self.file.read(int.from_bytes(header, "little"))
            yield from marshal.loads(data)  # noqa: S302 - our own temporary file


class Spill:
    """Ticket and event lines of one file, in file order, each with its line number."""

    def __init__(self) -> None:
        self._tickets = _Blocks()
        self._events = _Blocks()

    def add_blocks(self, blocks: SpillBlocks) -> None:
        """The check pass's records of one chunk (calendar and agent lines are few and are
        read again from the file)."""
        self._tickets.add_block(blocks.tickets, blocks.ticket_count)
        self._events.add_block(blocks.events, blocks.event_count)

    @property
    def event_count(self) -> int:
        return self._events.count

    def events(self) -> Iterator[EventRecord]:
        yield from self._events

    def tickets(self) -> Iterator[tuple[int, TicketLine]]:
        for record in self._tickets:
            number, ticket_id, created_us, *texts, order_value, currency = record
            channel, subject, platform, store, market, language, category, priority, calendar = (
                texts
            )
            yield (
                number,
                TicketLine(
                    id=ticket_id,
                    created_at=from_micros(created_us),
                    channel=channel,
                    subject=subject,
                    platform=platform,
                    store=store,
                    market=market,
                    language=language,
                    category=category,
                    priority=priority,
                    calendar=calendar,
                    order_value=None if order_value is None else Decimal(order_value),
                    currency=currency,
                ),
            )

    def close(self) -> None:
        self._tickets.file.close()
        self._events.file.close()
