"""The validation pass of an import: the whole file is checked before anything is written.

Memory stays bounded by the number of tickets, not lines: the pass keeps one byte per line
(its class), the ids the file defines, each ticket's `created_at` and calendar, and each
referenced ticket's earliest event. Forward references are fine (METRICS.md §1: an id is known
when any line of the file defines it, or the database has it), so references are resolved
after the pass; only when some are bad is the file read again to name every bad line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from afterdesk.accounts.models import User
from afterdesk.calendars.models import Calendar
from afterdesk.core.timeutil import format_instant
from afterdesk.metrics.history.schema import (
    AgentLine,
    CalendarLine,
    EventLine,
    Line,
    LineError,
    TicketLine,
    parse_line,
)
from afterdesk.tickets.models import Ticket

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


def history_check(*, path: Path, sink: Callable[[int, Line], None] | None = None) -> CheckResult:
    """Check every line of the file; return each line's class and the errors by line.

    `sink` gets every line that parses, with its number, so a caller can keep what it needs
    instead of parsing the file again (a line found bad later is marked INVALID in `classes`).
    """
    result = CheckResult()
    collected = _Collected()
    for number, raw in read_lines(path):
        result.classes.append(BLANK)
        if is_blank(raw):
            continue
        try:
            line = parse_line(raw)
        except LineError as exc:
            result.fail(number, str(exc))
            continue
        _collect(collected, result, number, line)
        if sink is not None:
            sink(number, line)
    created_at = _resolve_tickets(collected, result)
    bad_tickets = _check_event_tickets(collected, created_at)
    bad_agents = _check_agents(collected)
    if bad_tickets or bad_agents:
        _name_bad_events(path, result, created_at, bad_tickets, bad_agents)
    return result


def _collect(collected: _Collected, result: CheckResult, number: int, line: object) -> None:
    if isinstance(line, EventLine):
        result.classes[number] = EVENT
        earliest = collected.earliest_event.get(line.ticket)
        if earliest is None or line.at < earliest:
            collected.earliest_event[line.ticket] = line.at
        collected.agent_references.update(line.agent_references())
    elif isinstance(line, TicketLine):
        result.classes[number] = TICKET
        previous = collected.tickets.get(line.id)
        if previous is not None:
            collected.earlier_tickets.setdefault(line.id, []).append(previous)
            result.repeated_tickets.add(line.id)
        collected.tickets[line.id] = (line.created_at, line.calendar, number)
    elif isinstance(line, AgentLine):
        result.classes[number] = AGENT
        collected.agents.add(line.id)
    elif isinstance(line, CalendarLine):
        result.classes[number] = CALENDAR
        collected.calendars.add(line.id)


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
