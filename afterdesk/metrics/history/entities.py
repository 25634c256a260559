"""Writes for `calendar`, `agent` and `ticket` lines: a line with a known id replaces the
stored fields (METRICS.md §1); one that changes nothing writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import connection

from afterdesk.accounts.models import AgentProfile, User
from afterdesk.accounts.services import team_get_or_create
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Store
from afterdesk.commerce.services import store_get_or_create
from afterdesk.metrics.history.bulk import db_datetime, insert_rows
from afterdesk.metrics.history.report import EntityCounts
from afterdesk.metrics.history.schema import AgentLine, CalendarLine, TicketLine
from afterdesk.tickets.models import Ticket

TICKET_FIELDS = (
    "created_at",
    "channel",
    "subject",
    "platform",
    "store",
    "market",
    "language",
    "category",
    "priority",
    "calendar",
    "order_value",
    "currency",
)


def calendar_apply(*, line: CalendarLine, counts: EntityCounts) -> None:
    """Create or replace a calendar. Its `name` is not part of the format and is kept."""
    calendar = Calendar.objects.filter(key=line.id).first()
    if calendar is None:
        Calendar.objects.create(key=line.id, tz=line.tz, hours=line.hours, holidays=line.holidays)
        counts.created += 1
        return
    if (calendar.tz, calendar.hours, calendar.holidays) == (line.tz, line.hours, line.holidays):
        counts.unchanged += 1
        return
    calendar.tz, calendar.hours, calendar.holidays = line.tz, line.hours, line.holidays
    calendar.save(update_fields=["tz", "hours", "holidays"])
    counts.updated += 1


# name, role, team names, shift, languages, email
AgentState = tuple[str, str, tuple[str, ...], str, tuple[str, ...], str]


def _agent_state(line: AgentLine) -> AgentState:
    teams = (line.team,) if line.team else ()
    return (line.name, line.role, teams, line.shift, tuple(line.languages), line.email)


@dataclass
class AgentWriter:
    """Agent lines, written in bulk at the end of their pass (a file names a few hundred
    agents, so their states fit in memory). Same semantics as accounts.services.agent_upsert:
    a line replaces the agent's name, role, team membership, shift, languages and email."""

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
            state = _agent_state(line)
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
        new = [
            User(username=name, password=make_password(None))
            for name in changed
            if name not in users
        ]
        User.objects.bulk_create(new)
        users.update((user.username, user) for user in new)
        for name, (display_name, role, _team, _shift, _languages, email) in changed.items():
            user = users[name]
            user.display_name, user.role, user.email = display_name, role, email
        User.objects.bulk_update(
            [users[name] for name in changed], ["display_name", "role", "email"], batch_size=500
        )
        pks = [users[name].pk for name in changed]
        profiles = {p.user_id: p for p in AgentProfile.objects.filter(user_id__in=pks)}
        for name, (_name, _role, _team, shift, languages, _email) in changed.items():
            profile = profiles.setdefault(users[name].pk, AgentProfile(user_id=users[name].pk))
            profile.shift, profile.languages = shift, list(languages)
        AgentProfile.objects.bulk_create([p for p in profiles.values() if p.pk is None])
        AgentProfile.objects.bulk_update(
            [p for p in profiles.values() if p.pk is not None], ["shift", "languages"]
        )
        memberships = User.teams.through
        memberships.objects.filter(user_id__in=pks).delete()
        names = sorted({team for state in changed.values() for team in state[2]})
        teams = {name: team_get_or_create(name=name).pk for name in names}
        memberships.objects.bulk_create(
            memberships(user_id=users[name].pk, team_id=teams[team])
            for name, state in changed.items()
            for team in state[2]
        )


def _stored_agent_state(user: User) -> AgentState:
    try:
        profile: AgentProfile | None = user.profile
    except AgentProfile.DoesNotExist:
        profile = None
    return (
        user.display_name,
        user.role,
        tuple(sorted(team.name for team in user.teams.all())),
        profile.shift if profile else "",
        tuple(profile.languages) if profile else (),
        user.email,
    )


@dataclass
class TicketWriter:
    """Buffers ticket lines and writes them in bulk, a batch at a time, in file order."""

    counts: EntityCounts
    batch_size: int = 2000
    touched: set[int] = field(default_factory=set)  # tickets whose state needs a replay
    _batch: list[TicketLine] = field(default_factory=list)
    _stores: dict[str, int] = field(default_factory=dict)
    _calendars: dict[str, int] = field(default_factory=dict)

    def add(self, line: TicketLine) -> None:
        self._batch.append(line)
        if len(self._batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self._lookup_references(batch)
        stored = {
            ticket.external_id: ticket
            for ticket in Ticket.objects.filter(external_id__in={line.id for line in batch})
        }
        new: dict[str, Ticket] = {}
        changed: dict[str, Ticket] = {}
        for line in batch:
            values = self._values(line)
            ticket = stored.get(line.id) or new.get(line.id)
            if ticket is None:
                new[line.id] = Ticket(external_id=line.id, updated_at=line.created_at, **values)
                self.counts.created += 1
            elif all(getattr(ticket, name) == value for name, value in values.items()):
                self.counts.unchanged += 1
            else:
                if ticket.created_at != line.created_at:
                    ticket.updated_at = line.created_at  # replayed from the log at the end
                for name, value in values.items():
                    setattr(ticket, name, value)
                if ticket.pk is not None:
                    changed[line.id] = ticket
                self.counts.updated += 1
        _tickets_insert(list(new.values()))
        Ticket.objects.bulk_update(changed.values(), [*TICKET_FIELDS, "updated_at"], batch_size=500)
        self.touched.update(ticket.pk for ticket in changed.values())

    def _values(self, line: TicketLine) -> dict[str, Any]:
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


_INSERT_COLUMNS = (
    "external_id",
    "subject",
    "channel",
    "platform",
    "store_id",
    "market",
    "language",
    "category",
    "priority",
    "status",
    "calendar_id",
    "order_value",
    "currency",
    "created_at",
    "updated_at",
)


def _tickets_insert(tickets: list[Ticket]) -> None:
    """New tickets start `new`, unassigned; the log replay sets their state afterwards."""
    order_value = Ticket._meta.get_field("order_value")
    rows = [
        (
            t.external_id,
            t.subject,
            t.channel,
            t.platform,
            t.store_id,
            t.market,
            t.language,
            t.category,
            t.priority,
            t.status,
            t.calendar_id,
            order_value.get_db_prep_save(t.order_value, connection),
            t.currency,
            db_datetime(t.created_at),
            db_datetime(t.updated_at),
        )
        for t in tickets
    ]
    for ticket, pk in zip(tickets, insert_rows(Ticket, _INSERT_COLUMNS, rows), strict=True):
        ticket.pk = pk
