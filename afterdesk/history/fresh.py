"""Tickets new to the database: written last, with the state and facts of their events.

A ticket that did not exist before the import has no events but the ones this import adds, so
its state (status, assignee, team, updated_at, buyer_message_at — as `tickets.state.replay_state`
folds them)
and its facts (docs/metrics.md, "Per-ticket facts";
`metrics.facts.compute_facts`) follow from those alone; nothing
has to be read back from the database. The event pass records each added event of such a
ticket in a packed per-ticket log (38 bytes an event), and `FreshTickets.write` inserts every
new ticket once, already in its final state, with its TicketFacts row and its reply waits.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from afterdesk.accounts.services import team_get_or_create
from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.core.progress import NO_PROGRESS, Progress, counted
from afterdesk.history.bulk import datetime_to_db, table_columns
from afterdesk.history.copier import BackgroundCopy
from afterdesk.history.entities import TicketWriter
from afterdesk.history.spill import Spill, from_micros
from afterdesk.metrics.facts import compute_facts
from afterdesk.metrics.models import ReplyWait, TicketFacts
from afterdesk.metrics.services import (
    FACTS_COLUMNS,
    REPLY_WAIT_COLUMNS,
    business_calendar,
    facts_row,
    reply_wait_rows,
)
from afterdesk.tickets.events import EVENT_SPECS
from afterdesk.tickets.log_reader import EventRow
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.state import TicketState, replay_state

WRITE_BATCH = 2000
KINDS = tuple(EVENT_SPECS)
KIND_CODES = {kind: code for code, kind in enumerate(KINDS)}
# at (UTC µs), event id, kind, agent pk (0: none), subtype, score (NaN: none), team (0: none)
_RECORD = struct.Struct("<qqBqHdI")
TICKET_COLUMNS = table_columns(Ticket)  # a column the import does not set is NULL


class _Names:
    """Small integer codes for repeated strings (subtypes, team names); 0 is none."""

    def __init__(self) -> None:
        self.names: list[str] = [""]
        self._codes: dict[str, int] = {"": 0}

    def code(self, name: str) -> int:
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = len(self.names)
            self.names.append(name)
        return code


@dataclass
class FreshTickets:
    logs: dict[int, bytearray] = field(default_factory=dict)
    _subtypes: _Names = field(default_factory=_Names)
    _teams: _Names = field(default_factory=_Names)

    def add_event(  # positional: called once per added event
        self,
        ticket_pk: int,
        event_id: int,
        kind: str,
        at_micros: int,
        agent_pk: int | None,
        subtype: str,
        score: float | None,
        team: str,
    ) -> None:
        record = _RECORD.pack(
            at_micros,
            event_id,
            KIND_CODES[kind],
            agent_pk or 0,
            self._subtypes.code(subtype),
            math.nan if score is None else score,
            self._teams.code(team),
        )
        log = self.logs.get(ticket_pk)
        if log is None:
            self.logs[ticket_pk] = bytearray(record)
        else:
            log += record

    def write(
        self,
        *,
        spill: Spill,
        tickets: TicketWriter,
        copies: BackgroundCopy,
        progress: Progress = NO_PROGRESS,
    ) -> None:
        """Insert every new ticket (its last line's fields) in its final state, and the facts
        and reply waits of those that got events (as `ticket_refresh_state` would compute
        them). Each ticket line read is counted to `progress`."""
        calendars: dict[int, BusinessCalendar] = {}
        teams: dict[str, int] = {}  # only the teams tickets end with, as the replay creates
        moment = datetime_to_db()
        now = moment(timezone.now())
        ticket_rows: list[tuple[Any, ...]] = []
        facts_rows: list[tuple[Any, ...]] = []
        wait_rows: list[tuple[Any, ...]] = []
        for number, line in counted(spill.tickets(), progress):
            if tickets.fresh.get(line.id) != number:
                continue  # an earlier line of the ticket, or one of a stored ticket
            pk = tickets.pks[line.id]
            values = tickets.values(line)
            events = self._events(self.logs.pop(pk, None))
            state: TicketState[int] = replay_state(
                created_at=line.created_at,
                events=(
                    (event.kind, event.at, _state_fields(event, team)) for event, team in events
                ),
            )
            row = {
                **values,  # the line's fields; order_value a Decimal, as DecimalField passes it
                "id": pk,
                "external_id": line.id,
                "status": state.status,
                "assignee_id": state.assignee,
                "team_id": _team_pk(teams, state.team_name) if state.team_name else None,
                "created_at": moment(line.created_at),
                "updated_at": moment(state.updated_at),
                "buyer_message_at": (
                    None if state.buyer_message_at is None else moment(state.buyer_message_at)
                ),
            }
            ticket_rows.append(tuple(row.get(column) for column in TICKET_COLUMNS))
            if events:
                facts = compute_facts(
                    created_at=line.created_at,
                    calendar=business_calendar(values["calendar_id"], calendars),
                    events=[event for event, _team in events],
                )
                facts_rows.append(
                    facts_row(ticket_id=pk, facts=facts, computed_at=now, moment=moment)
                )
                if facts.reply_waits:
                    wait_rows += reply_wait_rows(ticket_id=pk, facts=facts, moment=moment)
            if len(ticket_rows) >= WRITE_BATCH:
                _write(copies, ticket_rows, facts_rows, wait_rows)
                ticket_rows, facts_rows, wait_rows = [], [], []
        _write(copies, ticket_rows, facts_rows, wait_rows)

    def _events(self, log: bytearray | None) -> list[tuple[EventRow, str]]:
        """A ticket's events in event order: (at, id), ids being in file order."""
        if log is None:
            return []
        subtypes, teams = self._subtypes.names, self._teams.names
        return [
            (
                EventRow(
                    KINDS[kind],
                    from_micros(at),
                    agent or None,
                    subtypes[subtype],
                    None if math.isnan(score) else score,
                    {},  # the facts read only `subtype` and `score` (a status is its subtype)
                    event_id,
                ),
                teams[team],
            )
            for at, event_id, kind, agent, subtype, score, team in sorted(_RECORD.iter_unpack(log))
        ]


_NO_FIELDS: dict[str, Any] = {}


def _state_fields(event: EventRow, team: str) -> dict[str, Any]:
    """What `replay_state` reads of an event of the packed log (its agent as a user id)."""
    if event.kind == "status":
        return {"status": event.subtype}
    if event.kind == "assign":
        return {"agent": event.agent_id, "team": team}
    if event.kind == "message":
        return {"kind": event.subtype}  # a message's subtype is its kind
    return _NO_FIELDS


def _team_pk(teams: dict[str, int], name: str) -> int:
    if name not in teams:
        teams[name] = team_get_or_create(name=name).pk
    return teams[name]


def _write(
    copies: BackgroundCopy,
    ticket_rows: list[tuple[Any, ...]],
    facts_rows: list[tuple[Any, ...]],
    wait_rows: list[tuple[Any, ...]],
) -> None:
    copies.copy(Ticket._meta.db_table, TICKET_COLUMNS, ticket_rows)  # before their facts
    copies.copy(TicketFacts._meta.db_table, FACTS_COLUMNS, facts_rows)
    copies.copy(ReplyWait._meta.db_table, REPLY_WAIT_COLUMNS, wait_rows)
