"""The validation pass of an import: the whole file is checked before anything is written.

Memory stays bounded by the number of tickets, not lines: the pass keeps one byte per line
(its class), the ids the file defines, each ticket's `created_at` and calendar, and each
referenced ticket's earliest event, and each `sla_breach` line's deadline (at most one breach
per ticket, target and deadline). Forward references are fine (docs/history.md, "Errors": an
id is known when any line of the file defines it, or the database has it), so references are
resolved after the pass; only when some are bad is the file read again to name every bad line.

The lines are parsed in chunks of whole lines (`check_chunk`), by worker processes when the
file is large (`core.parallel`), and the chunks' findings are merged in file order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from afterdesk.accounts.models import User
from afterdesk.calendars.models import Calendar
from afterdesk.core.parallel import (
    Chunk,
    chunk_lines,
    file_chunks,
    ordered_map,
    process_count,
)
from afterdesk.core.progress import NO_PROGRESS, Progress
from afterdesk.core.timeutil import format_instant
from afterdesk.history.schema import (
    AgentLine,
    EventLine,
    LineError,
    TicketLine,
    parse_line,
)
from afterdesk.history.spill import (
    Spill,
    SpillBlocks,
    event_record,
    from_micros,
    ticket_record,
    to_micros,
)
from afterdesk.tickets.events import sla_deadline
from afterdesk.tickets.models import Ticket, TicketEvent

# One byte per line of the file: what the line is, once checked.
BLANK, CALENDAR, AGENT, TICKET, EVENT, INVALID = range(6)
LOOKUP_CHUNK = 1000


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(1-based line number, raw line) for every line, blank ones included."""
    with path.open("rb") as handle:
        yield from enumerate(handle, start=1)


def is_blank(raw: bytes) -> bool:
    return not raw.strip()


def chunked(items: Iterable[str], size: int = LOOKUP_CHUNK) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# A ticket line as the references need it: (created_at, calendar id or "", line number).
TicketDefinition = tuple[datetime, str, int]
# An `sla_breach` line as the breach rule needs it: (line number, ticket id, target, `due` as
# UTC microseconds or None, fingerprint). Few: at most one per ticket, target and deadline.
BreachLine = tuple[int, str, str, int | None, str]


@dataclass
class CheckResult:
    classes: bytearray = field(default_factory=lambda: bytearray([BLANK]))
    errors: dict[int, str] = field(default_factory=dict)
    # ticket ids with more than one line in the file (rare: a later line replaces the fields)
    repeated_tickets: set[str] = field(default_factory=set)

    def fail(self, line: int, message: str) -> None:
        if line not in self.errors:
            self.errors[line] = message
        self.classes[line] = INVALID

    def sorted_errors(self) -> list[tuple[int, str]]:
        return sorted(self.errors.items())


@dataclass
class _Collected:
    calendars: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    tickets: dict[str, TicketDefinition] = field(default_factory=dict)
    # earlier definitions of ids defined more than once (rare)
    earlier_tickets: dict[str, list[TicketDefinition]] = field(default_factory=dict)
    earliest_event: dict[str, datetime] = field(default_factory=dict)
    agent_references: set[str] = field(default_factory=set)
    breaches: list[BreachLine] = field(default_factory=list)


def history_check(
    *,
    path: Path,
    spill: Spill | None = None,
    processes: int | None = None,
    progress: Progress = NO_PROGRESS,
) -> CheckResult:
    """Check every line of the file; return each line's class and the errors by line.

    Every ticket and event line that parses goes to `spill` (in file order, as `Spill`
    records), so the write passes need not parse the file again (a line found bad later is
    marked INVALID in `classes`). The lines are parsed in chunks, by `processes` worker
    processes (default: `parallel.process_count`; 0 parses in this process). `progress` gets
    a stage measured in bytes, advanced a chunk at a time.
    """
    result = CheckResult()
    collected = _Collected()
    if processes is None:
        processes = process_count(path)
    tasks = ((str(path), chunk) for chunk in file_chunks(path))
    progress.stage("Checking", total=path.stat().st_size, unit="bytes", items="lines")
    for chunk in ordered_map(check_chunk, tasks, processes=processes):
        _merge(collected, result, chunk)
        if spill is not None:
            spill.add_blocks(chunk.spill)
        progress.advance(chunk.size, items=len(chunk.classes))
    created_at = _resolve_tickets(collected, result)
    bad_tickets = _check_event_tickets(collected, created_at)
    bad_agents = _check_agents(collected)
    if bad_tickets or bad_agents:
        _name_bad_events(path, result, created_at, bad_tickets, bad_agents)
    if collected.breaches:
        _check_breaches(collected.breaches, result)
    return result


@dataclass
class ChunkResult:
    """What one chunk of lines contributes to the check (built in a worker process)."""

    first: int  # the number of the chunk's first line
    size: int = 0  # its length in bytes
    classes: bytearray = field(default_factory=bytearray)
    errors: list[tuple[int, str]] = field(default_factory=list)
    calendars: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    tickets: list[tuple[str, TicketDefinition]] = field(default_factory=list)
    earliest_event: dict[str, datetime] = field(default_factory=dict)
    agent_references: set[str] = field(default_factory=set)
    breaches: list[BreachLine] = field(default_factory=list)
    spill: SpillBlocks = field(default_factory=SpillBlocks)


def check_chunk(path: str, chunk: Chunk) -> ChunkResult:
    """Parse and check the lines of one chunk on their own (references come later)."""
    out = ChunkResult(first=chunk[2], size=chunk[1])
    classes, earliest = out.classes, out.earliest_event
    events, tickets = [], []
    for number, raw in chunk_lines(Path(path), chunk):
        if is_blank(raw):
            classes.append(BLANK)
            continue
        try:
            line = parse_line(raw)
        except LineError as exc:
            classes.append(INVALID)
            out.errors.append((number, str(exc)))
            continue
        if isinstance(line, EventLine):
            classes.append(EVENT)
            known = earliest.get(line.ticket)
            if known is None or line.at < known:
                earliest[line.ticket] = line.at
            out.agent_references.update(line.agent_references())
            record = event_record(number, line)
            events.append(record)
            if line.kind == "sla_breach":
                target, due = sla_deadline(line.fields)
                due_micros = None if due is None else to_micros(due)
                out.breaches.append((number, line.ticket, target, due_micros, record[4]))
        elif isinstance(line, TicketLine):
            classes.append(TICKET)
            out.tickets.append((line.id, (line.created_at, line.calendar, number)))
            tickets.append(ticket_record(number, line))
        elif isinstance(line, AgentLine):
            classes.append(AGENT)
            out.agents.append(line.id)
        else:
            classes.append(CALENDAR)
            out.calendars.append(line.id)
    out.spill = SpillBlocks.of(tickets=tickets, events=events)
    return out


def _merge(collected: _Collected, result: CheckResult, chunk: ChunkResult) -> None:
    """Add a chunk's findings, in file order (a later line of a ticket id replaces it)."""
    assert chunk.first == len(result.classes), "chunks out of order"  # noqa: S101
    result.classes += chunk.classes
    result.errors.update(chunk.errors)
    collected.calendars.update(chunk.calendars)
    collected.agents.update(chunk.agents)
    collected.agent_references |= chunk.agent_references
    collected.breaches += chunk.breaches
    for ticket_id, definition in chunk.tickets:
        previous = collected.tickets.get(ticket_id)
        if previous is not None:
            collected.earlier_tickets.setdefault(ticket_id, []).append(previous)
            result.repeated_tickets.add(ticket_id)
        collected.tickets[ticket_id] = definition
    earliest = collected.earliest_event
    for ticket_id, at in chunk.earliest_event.items():
        known = earliest.get(ticket_id)
        if known is None or at < known:
            earliest[ticket_id] = at


def _resolve_tickets(collected: _Collected, result: CheckResult) -> dict[str, datetime]:
    """Check each ticket line's calendar; the last valid line of an id defines the ticket."""
    referenced = {definition[1] for definition in collected.tickets.values() if definition[1]}
    for definitions in collected.earlier_tickets.values():
        referenced.update(definition[1] for definition in definitions if definition[1])
    missing = referenced - collected.calendars
    known_calendars = collected.calendars | set(
        Calendar.objects.filter(key__in=missing).values_list("key", flat=True)
    )
    created_at: dict[str, datetime] = {}
    for ticket_id, last in collected.tickets.items():
        for at, calendar, number in [*collected.earlier_tickets.get(ticket_id, ()), last]:
            if calendar and calendar not in known_calendars:
                result.fail(number, f"unknown calendar {calendar!r}")
            else:
                created_at[ticket_id] = at
    collected.tickets.clear()
    collected.earlier_tickets.clear()
    return created_at


def _check_event_tickets(collected: _Collected, created_at: dict[str, datetime]) -> set[str]:
    """Add referenced database tickets to `created_at`; return the ids with a bad event."""
    missing = [ticket_id for ticket_id in collected.earliest_event if ticket_id not in created_at]
    for chunk in chunked(missing):
        created_at.update(
            Ticket.objects.filter(external_id__in=chunk).values_list("external_id", "created_at")
        )
    return {
        ticket_id
        for ticket_id, earliest in collected.earliest_event.items()
        if ticket_id not in created_at or earliest < created_at[ticket_id]
    }


def _check_agents(collected: _Collected) -> set[str]:
    missing = collected.agent_references - collected.agents
    found: set[str] = set()
    for chunk in chunked(sorted(missing)):
        found.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    return missing - found


def _check_breaches(breaches: list[BreachLine], result: CheckResult) -> None:
    """At most one `sla_breach` per ticket, target and deadline (docs/history.md, "Events
    Afterdesk writes itself"): a valid line that would add a second one, beside an earlier
    line of the file or a breach already stored, is an error on that line. The same event
    again (same fingerprint) is that event, not a second one."""
    valid = [breach for breach in breaches if result.classes[breach[0]] == EVENT]
    # (ticket id, target, due) → (fingerprint, line number; 0 for a stored event)
    known: dict[tuple[str, str, int | None], tuple[str, int]] = {}
    for chunk in chunked(sorted({breach[1] for breach in valid})):
        stored = TicketEvent.objects.filter(
            kind="sla_breach", ticket__external_id__in=chunk
        ).values_list("ticket__external_id", "fields", "fingerprint")
        for ticket_id, fields, fingerprint in stored.order_by("at", "id"):
            target, due = sla_deadline(fields)
            key = (ticket_id, target, None if due is None else to_micros(due))
            known.setdefault(key, (fingerprint, 0))
    for number, ticket_id, target, due_micros, fingerprint in valid:
        key = (ticket_id, target, due_micros)
        first = known.setdefault(key, (fingerprint, number))
        if first[0] == fingerprint:
            continue
        deadline = (
            "without a due"
            if due_micros is None
            else f"due {format_instant(from_micros(due_micros))}"
        )
        where = f"line {first[1]}" if first[1] else "stored"
        result.fail(
            number,
            f"ticket {ticket_id!r} already has an sla_breach for {target} {deadline} ({where}); "
            "at most one sla_breach per ticket, target and deadline",
        )


def _name_bad_events(
    path: Path,
    result: CheckResult,
    created_at: dict[str, datetime],
    bad_tickets: set[str],
    bad_agents: set[str],
) -> None:
    """Read the file again to name every event line with a bad reference."""
    for number, raw in read_lines(path):
        if result.classes[number] != EVENT:
            continue
        line = parse_line(raw)
        assert isinstance(line, EventLine)  # noqa: S101 - the first pass classified it
        message = _event_reference_error(line, created_at, bad_tickets, bad_agents)
        if message:
            result.fail(number, message)


def _event_reference_error(
    line: EventLine,
    created_at: dict[str, datetime],
    bad_tickets: set[str],
    bad_agents: set[str],
) -> str | None:
    if line.ticket in bad_tickets:
        ticket_created = created_at.get(line.ticket)
        if ticket_created is None:
            return f"unknown ticket {line.ticket!r}"
        if line.at < ticket_created:
            return (
                f"event at {format_instant(line.at)} is earlier than the created_at of "
                f"ticket {line.ticket!r} ({format_instant(ticket_created)})"
            )
    for name in ("agent", "reviewer"):
        value = line.fields.get(name)
        if isinstance(value, str) and value in bad_agents:
            return f"{name}: unknown agent {value!r}"
    return None
