"""`history_import`: a JSON Lines history file into the database (METRICS.md §1).

The file is read several times, never held in memory:

1. check every line (`history.checker`); with errors and no `skip_invalid`, stop here;
2. calendars and agents (few; one line at a time), then
3. tickets, in bulk batches, then
4. events, in bulk batches: a line becomes the TicketEvent (and Message) that
   `tickets.services.event_record` would write for it, so an event already stored, or twice in
   the file, is recognised by its fingerprint and not added again;
5. each ticket that got events has its status/assignee/team/updated_at replayed from its log.

Steps 2–5 run in one transaction: an import is all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.metrics.history.bulk import db_datetime, db_json, insert_rows
from afterdesk.metrics.history.checker import (
    AGENT,
    CALENDAR,
    EVENT,
    TICKET,
    history_check,
    read_lines,
)
from afterdesk.metrics.history.entities import AgentWriter, TicketWriter, calendar_apply
from afterdesk.metrics.history.report import EventCounts, ImportReport
from afterdesk.metrics.history.schema import (
    AgentLine,
    CalendarLine,
    EventLine,
    TicketLine,
    parse_line,
)
from afterdesk.tickets.events import event_columns, event_fingerprint
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from afterdesk.tickets.services import ticket_refresh_state

EVENT_BATCH = 5000
TICKET_BATCH = 2000
REFRESH_CHUNK = 1000
EVENT_COLUMNS = (
    "ticket_id",
    "kind",
    "at",
    "agent_id",
    "subtype",
    "score",
    "fields",
    "fingerprint",
    "recorded_at",
)
MESSAGE_COLUMNS = (
    "ticket_id",
    "event_id",
    "kind",
    "author_id",
    "body_text",
    "body_html",
    "external_message_id",
    "created_at",
)


def history_import(path: Path, *, skip_invalid: bool = False) -> ImportReport:
    """Import a history file. Bad lines are reported in `report.errors` (never raised);
    then nothing is written unless `skip_invalid`, which imports the valid lines.

    Raises FileNotFoundError when there is no such file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    report = ImportReport(skip_invalid=skip_invalid)
    check = history_check(path=path)
    report.errors = check.sorted_errors()
    if report.errors and not skip_invalid:
        return report
    classes = check.classes
    with transaction.atomic():
        agents = AgentWriter(counts=report.entities["agent"])
        for number, raw in read_lines(path):
            if classes[number] in (CALENDAR, AGENT):
                line = parse_line(raw)
                if isinstance(line, CalendarLine):
                    calendar_apply(line=line, counts=report.entities["calendar"])
                elif isinstance(line, AgentLine):
                    agents.add(line)
        agents.flush()
        tickets = TicketWriter(counts=report.entities["ticket"], batch_size=TICKET_BATCH)
        for number, raw in read_lines(path):
            if classes[number] == TICKET:
                ticket_line = parse_line(raw)
                assert isinstance(ticket_line, TicketLine)  # noqa: S101 - checked in pass 1
                tickets.add(ticket_line)
        tickets.flush()
        events = EventWriter(counts=report.events, batch_size=EVENT_BATCH)
        for number, raw in read_lines(path):
            if classes[number] == EVENT:
                event_line = parse_line(raw)
                assert isinstance(event_line, EventLine)  # noqa: S101 - checked in pass 1
                events.add(event_line)
        events.flush()
        touched = sorted(tickets.touched | events.touched)
        for start in range(0, len(touched), REFRESH_CHUNK):
            ticket_refresh_state(ticket_ids=touched[start : start + REFRESH_CHUNK])
    report.imported = True
    return report


@dataclass
class EventWriter:
    """Buffers event lines and writes the new ones in bulk, keeping file order within a batch
    and across batches, so ids keep file order among equal instants (METRICS.md §1)."""

    counts: dict[str, EventCounts]
    batch_size: int = EVENT_BATCH
    touched: set[int] = field(default_factory=set)
    _batch: list[EventLine] = field(default_factory=list)
    _agents: dict[str, int] = field(default_factory=dict)

    def add(self, line: EventLine) -> None:
        self._batch.append(line)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        tickets = dict(
            Ticket.objects.filter(external_id__in={line.ticket for line in batch}).values_list(
                "external_id", "pk"
            )
        )
        self._lookup_agents(batch)
        prepared = [
            (tickets[line.ticket], event_fingerprint(line.kind, line.at, line.fields), line)
            for line in batch
        ]
        # All stored fingerprints of the batch's tickets (a few per ticket): filtering on the
        # fingerprints too makes SQLite probe every (ticket, fingerprint) pair.
        seen = set(
            TicketEvent.objects.filter(
                ticket_id__in={ticket_pk for ticket_pk, _fp, _line in prepared}
            ).values_list("ticket_id", "fingerprint")
        )
        now = db_datetime(timezone.now())
        event_rows: list[tuple[Any, ...]] = []
        messages: list[tuple[int, str]] = []  # (index in event_rows, body)
        for ticket_pk, fingerprint, line in prepared:
            if (ticket_pk, fingerprint) in seen:
                self.counts[line.kind].present += 1
                continue
            seen.add((ticket_pk, fingerprint))
            self.counts[line.kind].added += 1
            self.touched.add(ticket_pk)
            stored = dict(line.fields)
            # A message's body lives in its Message row, as tickets.services.event_record does.
            body = stored.pop("body", None) if line.kind == "message" else None
            subtype, score = event_columns(line.kind, stored)
            agent = stored.get("agent")
            agent_pk = self._agents[agent] if isinstance(agent, str) else None
            at = db_datetime(line.at)
            if line.kind == "message":
                messages.append((len(event_rows), body or ""))
            event_rows.append(
                (
                    ticket_pk,
                    line.kind,
                    at,
                    agent_pk,
                    subtype,
                    score,
                    db_json(TicketEvent, "fields", stored),
                    fingerprint,
                    now,
                )
            )
        event_ids = insert_rows(TicketEvent, EVENT_COLUMNS, event_rows)
        message_rows = []
        for index, body in messages:
            ticket_pk, _kind, at, author_pk, message_kind = event_rows[index][:5]
            message_rows.append(
                (ticket_pk, event_ids[index], message_kind, author_pk, body, "", "", at)
            )
        insert_rows(Message, MESSAGE_COLUMNS, message_rows)

    def _lookup_agents(self, batch: list[EventLine]) -> None:
        usernames = {
            agent for line in batch if isinstance(agent := line.fields.get("agent"), str)
        } - self._agents.keys()
        if usernames:
            self._agents.update(
                User.objects.filter(username__in=usernames).values_list("username", "pk")
            )
