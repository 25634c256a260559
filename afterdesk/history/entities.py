"""Writes for `calendar`, `agent` and `ticket` lines: a line with a known id replaces the
stored fields (docs/history.md, "Idempotence"); one that changes nothing writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password

from afterdesk.accounts.models import AgentProfile, User
from afterdesk.accounts.selectors import position_for_history
from afterdesk.accounts.services import access_level_for, team_get_or_create
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_history_apply
from afterdesk.commerce.models import Store
from afterdesk.commerce.services import store_get_or_create
from afterdesk.history.bulk import Batched, IdAllocator, rows_by_keys
from afterdesk.history.report import EntityCounts
from afterdesk.history.schema import TICKET_OPTIONAL, AgentLine, CalendarLine, TicketLine
from afterdesk.metrics.services import facts_refresh
from afterdesk.tickets.models import Ticket

# The Ticket fields a ticket line sets: each of the line's fields but its id (external_id).
TICKET_FIELDS = ("created_at", "channel", *TICKET_OPTIONAL)


def calendar_apply(*, line: CalendarLine, counts: EntityCounts) -> None:
    """Create or replace a calendar. Its `name` and markets are not part of the format and
    are kept (docs/calendars.md, "History")."""
    calendar, outcome = calendar_history_apply(
        key=line.id, tz=line.tz, hours=line.hours, holidays=line.holidays
    )
    if outcome == "created":
        counts.created += 1
        return
    if outcome == "unchanged":
        counts.unchanged += 1
        return
    # Business durations of the tickets already on this calendar change with it.
    facts_refresh(ticket_ids=list(calendar.tickets.values_list("pk", flat=True)))
    counts.updated += 1


# name, position, access level (`User.role`), team names, shift, languages, email
AgentState = tuple[str, str, str, tuple[str, ...], str, tuple[str, ...], str]


def _agent_state(line: AgentLine, stored: User | None) -> AgentState:
    """What the line makes of the agent: the access level follows the position, except that
    an admin already in the database stays one (`accounts.services.access_level_for`)."""
    teams = (line.team,) if line.team else ()
    access = access_level_for(user=stored, position=line.position)
    return (
        line.name,
        line.position,
        access,
        teams,
        line.shift,
        tuple(line.languages),
        line.email,
    )


@dataclass
class AgentWriter:
    """Agent lines, written in bulk at the end of their pass (a file names a few hundred
    agents, so their states fit in memory). Same semantics as accounts.services.agent_upsert:
    a line replaces the agent's name, position (and the access level that follows from it),
    team membership, shift, languages and email."""

    counts: EntityCounts
    _lines: list[AgentLine] = field(default_factory=list)

    def add(self, line: AgentLine) -> None:
        self._lines.append(line)

    def flush(self) -> None:
        if not self._lines:
            return
        users = {
            user.username: user
            for user in User.objects.filter(username__in={line.id for line in self._lines})
            .select_related("profile")
            .prefetch_related("teams")
        }
        current = {username: _stored_agent_state(user) for username, user in users.items()}
        final: dict[str, AgentState] = {}
        for line in self._lines:
            state = _agent_state(line, users.get(line.id))
            before = final.get(line.id, current.get(line.id))
            if before is None:
                self.counts.created += 1
            elif before == state:
                self.counts.unchanged += 1
            else:
                self.counts.updated += 1
            final[line.id] = state
        changed = {name: state for name, state in final.items() if current.get(name) != state}
        self._write(users, changed)
        self._lines.clear()

    def _write(self, users: dict[str, User], changed: dict[str, AgentState]) -> None:
        # New agents are inserted with their fields; only stored ones are updated (an UPDATE
        # of many rows is one CASE per field, slow to build, and all of it holds the lock).
        stored = [users[name] for name in changed if name in users]
        new = [
            User(username=name, password=make_password(None))
            for name in changed
            if name not in users
        ]
        users.update((user.username, user) for user in new)
        for name, (display_name, position, role, *_profile, email) in changed.items():
            user = users[name]
            user.display_name, user.position, user.role, user.email = (
                display_name,
                position,
                role,
                email,
            )
        User.objects.bulk_create(new)
        User.objects.bulk_update(
            stored, ["display_name", "position", "role", "email"], batch_size=500
        )
        pks = [users[name].pk for name in changed]
        profiles = {p.user_id: p for p in AgentProfile.objects.filter(user_id__in=pks)}
        for name, (_name, _position, _role, _team, shift, languages, _email) in changed.items():
            profile = profiles.setdefault(users[name].pk, AgentProfile(user_id=users[name].pk))
            profile.shift, profile.languages = shift, list(languages)
        AgentProfile.objects.bulk_create([p for p in profiles.values() if p.pk is None])
        AgentProfile.objects.bulk_update(
            [p for p in profiles.values() if p.pk is not None], ["shift", "languages"]
        )
        memberships = User.teams.through
        memberships.objects.filter(user_id__in=pks).delete()
        names = sorted({team for state in changed.values() for team in state[3]})
        teams = {name: team_get_or_create(name=name).pk for name in names}
        memberships.objects.bulk_create(
            memberships(user_id=users[name].pk, team_id=teams[team])
            for name, state in changed.items()
            for team in state[3]
        )


def _stored_agent_state(user: User) -> AgentState:
    """The agent as the history sees it. The position is the one an export writes: a
    supervisor or QA reviewer made in the app without a position counts as having that
    access level as position, so re-importing an export changes nothing."""
    try:
        profile: AgentProfile | None = user.profile
    except AgentProfile.DoesNotExist:
        profile = None
    return (
        user.display_name,
        position_for_history(user=user),
        user.role,
        tuple(sorted(team.name for team in user.teams.all())),
        profile.shift if profile else "",
        tuple(profile.languages) if profile else (),
        user.email,
    )


# A ticket line's values as stored: TICKET_FIELDS with store and calendar as ids.
TicketValues = dict[str, Any]


@dataclass
class TicketWriter(Batched[tuple[int, TicketLine]]):
    """Ticket lines (with their line numbers), a batch at a time, in file order.

    A ticket already in the database is updated in place (its state and facts are replayed
    afterwards, see `touched`). A ticket new to the database only gets its id here: the event
    pass points its events at that id, and `history.fresh` inserts the ticket after the events
    with its final line's fields and the state and facts its events give (foreign keys are
    checked at commit). `pks` and `fresh` grow with the number of tickets, not lines.
    """

    counts: EntityCounts
    repeated: set[str] = field(default_factory=set)  # ids with several lines in the file
    batch_size: int = 2000
    pks: dict[str, int] = field(default_factory=dict)  # ticket id → pk, both kinds
    fresh: dict[str, int] = field(default_factory=dict)  # new ticket id → its last line
    touched: set[int] = field(default_factory=set)  # stored tickets whose fields changed
    _batch: list[tuple[int, TicketLine]] = field(default_factory=list)
    _fresh_values: dict[str, TicketValues] = field(default_factory=dict)  # repeated ids only
    _stores: dict[str, int] = field(default_factory=dict)
    _calendars: dict[str, int] = field(default_factory=dict)
    _ids: IdAllocator = field(default_factory=lambda: IdAllocator(Ticket))

    def look_up(self, ids: set[str]) -> None:
        """Learn the pks of the stored tickets among `ids` that `pks` does not know yet."""
        unknown = ids - self.pks.keys()
        if unknown:
            self.pks.update(rows_by_keys(_TICKETS, "external_id", ("external_id", "id"), unknown))

    def write(self, batch: list[tuple[int, TicketLine]]) -> None:
        self._lookup_references([line for _number, line in batch])
        self.look_up({line.id for _number, line in batch})
        stored = {
            ticket.external_id: ticket
            for ticket in Ticket.objects.filter(
                pk__in=[
                    self.pks[line.id]
                    for _number, line in batch
                    if line.id in self.pks and line.id not in self.fresh
                ]
            )
        }
        new_ids = iter(self._ids.take(len({line.id for _n, line in batch} - self.pks.keys())))
        changed: dict[str, Ticket] = {}
        for number, line in batch:
            values = self.values(line)
            ticket = stored.get(line.id)
            if ticket is not None:
                if self._update(ticket, line, values):
                    changed[line.id] = ticket
                continue
            if line.id in self.fresh:
                previous = self._fresh_values.get(line.id)
                if previous == values:
                    self.counts.unchanged += 1
                else:
                    self.counts.updated += 1
            else:
                self.pks[line.id] = next(new_ids)
                self.counts.created += 1
            self.fresh[line.id] = number
            if line.id in self.repeated:
                self._fresh_values[line.id] = values
        Ticket.objects.bulk_update(changed.values(), [*TICKET_FIELDS, "updated_at"], batch_size=500)
        self.touched.update(ticket.pk for ticket in changed.values())

    def _update(self, ticket: Ticket, line: TicketLine, values: TicketValues) -> bool:
        """Apply a line to a stored ticket; True when a field changed."""
        if all(getattr(ticket, name) == value for name, value in values.items()):
            self.counts.unchanged += 1
            return False
        if ticket.created_at != line.created_at:
            ticket.updated_at = line.created_at  # replayed from the log at the end
        for name, value in values.items():
            setattr(ticket, name, value)
        self.counts.updated += 1
        return True

    def values(self, line: TicketLine) -> TicketValues:
        return {
            "created_at": line.created_at,
            "channel": line.channel,
            "subject": line.subject,
            "platform": line.platform,
            "store_id": self._stores[line.store] if line.store else None,
            "market": line.market,
            "language": line.language,
            "category": line.category,
            "priority": line.priority,
            "calendar_id": self._calendars[line.calendar] if line.calendar else None,
            "order_value": line.order_value,
            "currency": line.currency,
        }

    def _lookup_references(self, batch: list[TicketLine]) -> None:
        calendars = {line.calendar for line in batch if line.calendar} - self._calendars.keys()
        if calendars:
            self._calendars.update(
                Calendar.objects.filter(key__in=calendars).values_list("key", "pk")
            )
        stores: dict[str, TicketLine] = {}
        for line in batch:
            if line.store:
                stores.setdefault(line.store, line)
        missing = stores.keys() - self._stores.keys()
        if missing:
            self._stores.update(Store.objects.filter(code__in=missing).values_list("code", "pk"))
        for code in sorted(missing - self._stores.keys()):
            # Stores need no line of their own: created on first mention, from that ticket.
            store = store_get_or_create(
                code=code, platform=stores[code].platform, market=stores[code].market
            )
            self._stores[code] = store.pk


_TICKETS = Ticket._meta.db_table
