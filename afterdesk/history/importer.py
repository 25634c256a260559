"""`history_import`: a JSON Lines history file into the database (docs/history.md).

1. check every line (`history.checker`, in worker processes for a large file); each ticket and
   event line is parsed once, and kept on disk in compact form (`history.spill`); with errors
   and no `skip_invalid`, stop here;
2. calendars and agents (few; their lines are read from the file again), then
3. tickets, in batches: stored ones are updated, new ones only get their ids (`entities`),
4. events, in batches: a line becomes the TicketEvent (and Message) that
   `tickets.services.event_record` would write for it, so an event already stored, or twice in
   the file, is recognised by its fingerprint and not added again; rows go in with COPY, on a
   background thread (`history.copier`);
5. new tickets are inserted in their final state, with their facts, computed from the events
   this import gave them (`history.fresh`); stored tickets that changed or got events have
   their state and facts replayed from their whole log (`ticket_refresh_state`);
6. after a large import, PostgreSQL's planner statistics are refreshed;
7. the new tickets get their SLA state by the SLA app's own code (`sla.imported`).

Each step is a stage of `progress` (a display on a terminal, or nothing: `core.progress`),
advanced a chunk or a batch at a time.

Steps 2–6 run in one transaction: all or nothing. Foreign keys are deferred to the commit,
except during 4–5 on PostgreSQL those that already hold when a row is written. On SQLite that
transaction holds the database's one write lock (other writers wait: docs/deploy.md, "SQLite in
production"), so the calendar and agent lines are read from the file before it begins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.core.observability import duration_recorded
from afterdesk.core.progress import NO_PROGRESS, Progress, counted
from afterdesk.history.bulk import (
    Batched,
    IdAllocator,
    db_datetime,
    is_postgresql,
    micros_to_db,
    rows_by_keys,
)
from afterdesk.history.checker import (
    AGENT,
    CALENDAR,
    EVENT,
    TICKET,
    history_check,
    read_lines,
)
from afterdesk.history.copier import (
    COPY_ESCAPES,
    NULL,
    BackgroundCopy,
    foreign_keys_deferred,
    foreign_keys_immediate,
)
from afterdesk.history.entities import AgentWriter, TicketWriter, calendar_apply
from afterdesk.history.fresh import FreshTickets
from afterdesk.history.report import EventCounts, ImportReport
from afterdesk.history.schema import AgentLine, CalendarLine, parse_line
from afterdesk.history.spill import EventRecord, Spill
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.stored import changes_record_all
from afterdesk.sla.imported import states_store_imported
from afterdesk.tickets.models import Message, Ticket, TicketEvent
from afterdesk.tickets.services import ticket_refresh_state

EVENT_BATCH = 5000
# Event ids are taken from the sequence this many at a time (a query waits for the COPYs
# in flight); up to this many are left unused at the end.
EVENT_ID_RESERVE = 50_000
TICKET_BATCH = 2000
REFRESH_CHUNK = 1000
# A bulk load changes the tables' shape faster than autovacuum notices; stale statistics make
# PostgreSQL plan the KPI queries for empty tables (nested loops over millions of rows).
ANALYZE_AFTER_EVENTS = 10_000
ANALYZED_MODELS = (Ticket, TicketEvent, Message, TicketFacts, ReplyWait)
EVENT_COLUMNS = (
    "id",
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


@duration_recorded("history_import")
def history_import(
    path: Path, *, skip_invalid: bool = False, progress: Progress = NO_PROGRESS
) -> ImportReport:
    """Import a history file. Bad lines are reported in `report.errors` (never raised);
    then nothing is written unless `skip_invalid`, which imports the valid lines. Each step
    is reported to `progress` as a stage.

    Raises FileNotFoundError when there is no such file.
    """
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    report = ImportReport(skip_invalid=skip_invalid)
    spill = Spill()
    try:
        check = history_check(path=path, spill=spill, progress=progress)
        report.errors = check.sorted_errors()
        if report.errors and not skip_invalid:
            return report
        classes = check.classes
        shown = progress.shown  # the totals cost a pass over `classes` each: only if shown
        progress.stage("Calendars, agents", total=len(classes) - 1 if shown else None, unit="lines")
        # Read before the transaction: on SQLite it holds the one write lock, which other
        # writers wait for, so only what needs the database happens inside it.
        calendars_and_agents = [
            parse_line(raw)
            for number, raw in counted(read_lines(path), progress)
            if classes[number] in (CALENDAR, AGENT)
        ]
        with transaction.atomic():
            agents = AgentWriter(counts=report.entities["agent"])
            for line in calendars_and_agents:
                if isinstance(line, CalendarLine):
                    calendar_apply(line=line, counts=report.entities["calendar"])
                elif isinstance(line, AgentLine):
                    agents.add(line)
            agents.flush()
            ticket_lines = classes.count(TICKET) if shown else None
            progress.stage("Tickets", total=ticket_lines, unit="tickets")
            tickets = TicketWriter(
                counts=report.entities["ticket"],
                repeated=check.repeated_tickets,
                batch_size=TICKET_BATCH,
            )
            for number, ticket_line in counted(spill.tickets(), progress):
                if classes[number] == TICKET:
                    tickets.add((number, ticket_line))
            tickets.flush()
            fresh = FreshTickets()
            copies = BackgroundCopy()
            foreign_keys_immediate()
            progress.stage("Events", total=classes.count(EVENT) if shown else None, unit="events")
            with copies.running():
                events = EventWriter(
                    counts=report.events,
                    tickets=tickets,
                    fresh=fresh,
                    copies=copies,
                    batch_size=EVENT_BATCH,
                    progress=progress,
                )
                for record in spill.events():
                    if classes[record[0]] == EVENT:
                        events.add(record)
                events.flush()
                progress.stage("State of new tickets", total=ticket_lines, unit="tickets")
                fresh.write(spill=spill, tickets=tickets, copies=copies, progress=progress)
            foreign_keys_deferred()
            touched = sorted(tickets.touched | events.touched)
            if touched:
                progress.stage(f"State of {len(touched):,} stored tickets")
            ticket_refresh_state(ticket_ids=touched, chunk_size=REFRESH_CHUNK)
            if report.events_added >= ANALYZE_AFTER_EVENTS and is_postgresql():
                progress.stage("Planner statistics")
                statistics_refresh()
            # The new tickets' SLA deadlines, by the code a live change uses (the stored
            # tickets got theirs through `ticket_refresh_state`'s consumers above).
            new_tickets = [tickets.pks[line_id] for line_id in tickets.fresh]
            if new_tickets:
                progress.stage("SLA deadlines of new tickets")
                states_store_imported(new_tickets)
            # Events and facts written in bulk, at any date: no stored KPI figure is current.
            changes_record_all()
    finally:
        spill.close()
    report.imported = True
    return report


@dataclass
class EventWriter(Batched[EventRecord]):
    """Writes the event lines that are new, a batch at a time, in file order: ids are taken
    in file order, so events keep file order among equal instants (docs/history.md,
    "Event order").

    A line equal to a stored event of its ticket, or to an earlier line, is that event. A
    ticket new to the database has no stored events: an earlier line with the same
    fingerprint is looked for in a set of 64-bit keys (ticket, fingerprint prefix), and only
    a key already seen is confirmed against the exact fingerprints. Other tickets' stored
    fingerprints are read per batch.
    """

    counts: dict[str, EventCounts]
    tickets: TicketWriter
    fresh: FreshTickets
    copies: BackgroundCopy
    batch_size: int = EVENT_BATCH
    progress: Progress = NO_PROGRESS
    touched: set[int] = field(default_factory=set)  # stored tickets that got events
    _batch: list[EventRecord] = field(default_factory=list)
    _agents: dict[str, int] = field(default_factory=dict)
    _seen: set[int] = field(default_factory=set)
    _ids: IdAllocator = field(
        default_factory=lambda: IdAllocator(TicketEvent, reserve=EVENT_ID_RESERVE)
    )

    def write(self, batch: list[EventRecord]) -> None:
        self.tickets.look_up({record[1] for record in batch})  # those only the database has
        pks, fresh = self.tickets.pks, self.tickets.fresh
        self._lookup_agents(batch)
        stored_tickets = {pks[record[1]] for record in batch if record[1] not in fresh}
        stored: set[tuple[int, str]] = set()
        if stored_tickets:
            stored.update(
                rows_by_keys(_EVENTS, "ticket_id", ("ticket_id", "fingerprint"), stored_tickets)
            )
        added: list[tuple[int, EventRecord]] = []
        for record in batch:
            ticket, kind, fingerprint = record[1], record[2], record[4]
            ticket_pk = pks[ticket]
            pair = (ticket_pk, fingerprint)
            if ticket in fresh:
                key = ticket_pk << 64 | int(fingerprint[:16], 16)
                duplicate = key in self._seen and (pair in stored or _stored_exactly(pair))
                self._seen.add(key)
            else:
                duplicate = pair in stored
            if duplicate:
                self.counts[kind].present += 1
                continue
            if ticket not in fresh:
                self.touched.add(ticket_pk)
            stored.add(pair)
            self.counts[kind].added += 1
            added.append((ticket_pk, record))
        self._write(added)
        self.progress.advance(len(batch))

    def _write(self, added: list[tuple[int, EventRecord]]) -> None:
        fresh = self.tickets.fresh
        now = db_datetime(timezone.now())
        moment = micros_to_db()
        add_fresh = self.fresh.add_event
        event_rows: list[tuple[Any, ...]] = []
        message_rows: list[tuple[Any, ...]] = []
        event_text: list[str] = []
        message_text: list[str] = []
        as_text = self.copies.takes_text
        now_text = timezone.now().isoformat()
        agents = self._agents
        for event_id, (ticket_pk, record) in zip(self._ids.take(len(added)), added, strict=True):
            _number, ticket, kind, at_micros, fingerprint, stored, subtype, score = record[:8]
            agent, team, body, at_text = record[8:]
            agent_pk = agents[agent] if agent is not None else None
            if as_text:  # COPY's text format, without psycopg formatting each value
                agent_text = NULL if agent_pk is None else str(agent_pk)
                subtype_text = subtype.translate(COPY_ESCAPES)
                event_text.append(
                    f"{event_id}\t{ticket_pk}\t{kind}\t{at_text}\t{agent_text}\t{subtype_text}\t"
                    f"{NULL if score is None else repr(score)}\t{stored.translate(COPY_ESCAPES)}\t"
                    f"{fingerprint}\t{now_text}\n"
                )
                if kind == "message":
                    message_text.append(
                        f"{ticket_pk}\t{event_id}\t{subtype_text}\t{agent_text}\t"
                        f"{body.translate(COPY_ESCAPES)}\t\t\t{at_text}\n"
                    )
            else:
                at = moment(at_micros)
                event_rows.append(
                    (
                        event_id,
                        ticket_pk,
                        kind,
                        at,
                        agent_pk,
                        subtype,
                        score,
                        stored,
                        fingerprint,
                        now,
                    )
                )
                if kind == "message":
                    message_rows.append((ticket_pk, event_id, subtype, agent_pk, body, "", "", at))
            if ticket in fresh:
                add_fresh(ticket_pk, event_id, kind, at_micros, agent_pk, subtype, score, team)
        if as_text:
            self.copies.copy_text(_EVENTS, EVENT_COLUMNS, "".join(event_text))
            self.copies.copy_text(Message._meta.db_table, MESSAGE_COLUMNS, "".join(message_text))
        else:
            self.copies.copy(_EVENTS, EVENT_COLUMNS, event_rows)
            self.copies.copy(Message._meta.db_table, MESSAGE_COLUMNS, message_rows)

    def _lookup_agents(self, batch: list[EventRecord]) -> None:
        usernames = {
            agent for record in batch if (agent := record[8]) is not None
        } - self._agents.keys()
        if usernames:
            self._agents.update(
                User.objects.filter(username__in=usernames).values_list("username", "pk")
            )


_EVENTS = TicketEvent._meta.db_table


def statistics_refresh() -> None:
    """ANALYZE the tables an import fills (PostgreSQL; SQLite plans well without statistics
    and its ANALYZE reads whole indexes). Allowed inside the import's transaction."""
    if not is_postgresql():
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in ANALYZED_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _stored_exactly(pair: tuple[int, str]) -> bool:
    """Whether an earlier batch wrote this (ticket, fingerprint): only asked when the 64-bit
    key was seen before, i.e. for a repeated line (or, in theory, a key collision)."""
    return TicketEvent.objects.filter(ticket_id=pair[0], fingerprint=pair[1]).exists()
