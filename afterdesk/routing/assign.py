"""Which agent of a team gets a ticket (docs/routing.md, "Assignment inside a team"): the team's
agents who are online, on shift, have the skills and a free slot; the returning buyer's
previous agent first; then the least loaded, or the next in turn (round robin). The decision
comes with its reason in words.

Called inside the transaction that writes the assignment: the candidates' routing rows are
locked (in id order, so two decisions never wait on each other crosswise) before their open
tickets are counted, so two tickets routed at once cannot both take an agent's last slot.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.db.models import Count

from afterdesk.accounts.models import AgentProfile, Role, Team, User
from afterdesk.calendars.business_time import (
    AnyCalendar,
    BusinessCalendar,
    ScheduledCalendar,
    calendar_from_json,
    calendar_is_open,
)
from afterdesk.calendars.models import Calendar, TeamCalendar
from afterdesk.calendars.teams import scheduled_calendar
from afterdesk.routing.models import AgentRouting, AssignMode, Presence, TeamRouting
from afterdesk.routing.rules import rules_stamp_sql
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

ASSIGNABLE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass
class Candidate:
    """An agent of the team as routing sees them (one row of one query)."""

    pk: int
    username: str
    display_name: str
    capacity: int
    categories: list[str]
    platforms: list[str]
    presence: str
    shift: BusinessCalendar | None  # their own shift; None: the team's schedules, or always
    languages: list[str]


@dataclass
class Choice:
    agent: User | None
    reason: str
    skipped: list[str] = field(default_factory=list)
    # The rule table's stamp as the candidates' query saw it (None: no candidate row).
    rules_stamp: Any = None
    # Round robin: the team's settings row whose place moves to the chosen agent (`settle`).
    turn_of: int | None = None

    def settle(self) -> None:
        """Write the decision's own state: round robin's place (the agent who got the last
        ticket). Apart from the choosing, so that a decision taken again is counted once."""
        if self.turn_of is not None and self.agent is not None:
            TeamRouting.objects.filter(pk=self.turn_of).update(last_agent_id=self.agent.pk)


def team_settings(team: Team) -> TeamRouting:
    """The team's settings; the defaults (not stored) for a team without a row."""
    row = TeamRouting.objects.filter(team=team).first()
    return row if row is not None else TeamRouting(team=team)


def on_shift(shift: AnyCalendar | None, at: datetime) -> bool:
    """Inside the shift's open time (in its time zone), not on a closed date; no shift:
    always. The calendars' own test (`business_time.calendar_is_open`)."""
    return calendar_is_open(shift, at)


def open_loads(user_ids: Sequence[int]) -> dict[int, int]:
    """Open (not solved, not closed) tickets assigned to each of these agents."""
    rows = (
        Ticket.objects.filter(assignee_id__in=user_ids)
        .exclude(status__in=SOLVED_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def _name(user: User | Candidate) -> str:
    return user.display_name or user.username


def _json(value: Any) -> Any:
    # Raw cursors give JSON columns as text (SQLite; PostgreSQL under Django's loaders).
    return json.loads(value) if isinstance(value, str) else value


def _q(name: str) -> str:
    return str(connection.ops.quote_name(name))


@functools.lru_cache(maxsize=16)
def _candidates_sql(vendor: str, excluded: int) -> str:
    """The team's routable agents, their languages, own shift, the team's settings and
    schedules, their routing rows locked (PostgreSQL; SQLite writes one at a time anyway).
    Built once per vendor and number of excluded agents: only identifiers are interpolated."""
    ar, user, member = (
        _q(AgentRouting._meta.db_table),
        _q(User._meta.db_table),
        _q(User.teams.through._meta.db_table),
    )
    profile, calendar, team = (
        _q(AgentProfile._meta.db_table),
        _q(Calendar._meta.db_table),
        _q(TeamRouting._meta.db_table),
    )
    schedule = _q(TeamCalendar._meta.db_table)
    if vendor == "postgresql":
        pairs = (
            "'id', s.id, 'market', s.market, 'from', s.valid_from, 'until', s.valid_until, "
            "'tz', sc.tz, 'hours', sc.hours, 'holidays', sc.holidays"
        )
        schedules = f"(SELECT json_agg(json_build_object({pairs}))::text"
    else:
        pairs = (
            "'id', s.id, 'market', s.market, 'from', s.valid_from, 'until', s.valid_until, "
            "'tz', sc.tz, 'hours', json(sc.hours), 'holidays', json(sc.holidays)"
        )
        schedules = f"(SELECT json_group_array(json_object({pairs}))"
    schedules += (
        f" FROM {schedule} s JOIN {calendar} sc ON sc.id = s.calendar_id WHERE s.team_id = %s)"
    )
    roles = ", ".join(["%s"] * len(ASSIGNABLE_ROLES))
    sql = (  # quoted identifiers only; every value is a parameter
        f"SELECT ar.user_id, u.username, u.display_name, ar.capacity, ar.categories, "  # noqa: S608
        f"ar.platforms, ar.presence, c.tz, c.hours, c.holidays, p.languages, tr.id, "
        f"tr.auto_assign, tr.mode, tr.last_agent_id, {schedules}, {rules_stamp_sql()} "
        f"FROM {ar} ar JOIN {user} u ON u.id = ar.user_id "
        f"JOIN {member} m ON m.user_id = ar.user_id "
        f"LEFT JOIN {profile} p ON p.user_id = ar.user_id "
        f"LEFT JOIN {calendar} c ON c.id = ar.shift_id "
        f"LEFT JOIN {team} tr ON tr.team_id = m.team_id "
        f"WHERE m.team_id = %s AND u.is_active AND u.role IN ({roles})"
    )
    if excluded:
        sql += f" AND ar.user_id NOT IN ({', '.join(['%s'] * excluded)})"
    sql += " ORDER BY ar.id"
    if vendor == "postgresql":
        sql += " FOR UPDATE OF ar"
    return sql


@functools.lru_cache(maxsize=64)
def _loads_sql(agents: int, customer: bool) -> str:
    """Open tickets per agent and, with `customer`, a row (NULL, the agent of the buyer's
    latest other assigned ticket): one statement, after the lock."""
    ticket = _q(Ticket._meta.db_table)
    solved = ", ".join(f"'{status}'" for status in SOLVED_STATUSES)  # fixed choices
    sql = (  # identifiers and fixed status names only
        f"SELECT t.assignee_id, COUNT(*) FROM {ticket} t "  # noqa: S608
        f"WHERE t.assignee_id IN ({', '.join(['%s'] * agents)}) "
        f"AND t.status NOT IN ({solved}) GROUP BY t.assignee_id"
    )
    if customer:
        sql += (
            f" UNION ALL SELECT NULL, (SELECT t2.assignee_id FROM {ticket} t2 "  # noqa: S608
            f"WHERE t2.customer_id = %s AND t2.assignee_id IS NOT NULL AND t2.id <> %s "
            f"ORDER BY t2.created_at DESC, t2.id DESC LIMIT 1)"
        )
    return sql


@functools.lru_cache(maxsize=256)
def _team_schedules(text: str | None, market: str) -> ScheduledCalendar | None:
    """The team's schedules for a market as one calendar, parsed once per content."""
    rows = [row for row in (_json(text) or []) if row]
    schedules = [
        (
            row["id"],
            row["market"] or "",
            date.fromisoformat(row["from"]) if row["from"] else None,
            date.fromisoformat(row["until"]) if row["until"] else None,
            calendar_from_json(
                row["tz"],
                json.dumps(_json(row["hours"]), sort_keys=True),
                json.dumps(_json(row["holidays"])),
            ),
        )
        for row in rows
    ]
    return scheduled_calendar(schedules, market)


def agent_choose(
    *,
    ticket: Ticket,
    team: Team,
    at: datetime,
    exclude: Sequence[int] = (),
    settings: TeamRouting | None = None,
    settle: bool = True,
) -> Choice:
    """The agent of `team` who gets `ticket` now, or None with the reason nobody did.

    Two statements on the way that matters (every new ticket): the candidates with the
    team's settings and schedules, their rows locked; then their open tickets and the
    buyer's previous agent. Round robin reads and writes its place besides (the write with
    `settle`, or later by `Choice.settle`)."""
    sql = _candidates_sql(connection.vendor, len(exclude))
    with connection.cursor() as cursor:
        cursor.execute(sql, [team.pk, team.pk, *ASSIGNABLE_ROLES, *exclude])
        rows = cursor.fetchall()
    if settings is None:
        if rows and rows[0][11] is not None:
            settings = TeamRouting(
                pk=rows[0][11],
                team=team,
                auto_assign=bool(rows[0][12]),
                mode=rows[0][13],
                last_agent_id=rows[0][14],
            )
        else:
            settings = team_settings(team) if not rows else TeamRouting(team=team)
    stamp = (rows[0][16], rows[0][17]) if rows else None
    if not settings.auto_assign:
        return Choice(None, f"team {team.name} assigns by hand", rules_stamp=stamp)
    team_shift = _team_schedules(rows[0][15], ticket.market or "") if rows else None
    candidates = sorted(
        (
            Candidate(
                pk=row[0],
                username=row[1],
                display_name=row[2],
                capacity=row[3],
                categories=_json(row[4]) or [],
                platforms=_json(row[5]) or [],
                presence=row[6],
                shift=(
                    calendar_from_json(row[7], str(row[8]), str(row[9]))
                    if row[7] is not None
                    else None
                ),
                languages=_json(row[10]) or [],
            )
            for row in rows
        ),
        key=lambda c: c.username,
    )
    loads, previous = _loads(candidates, ticket)
    skipped: list[str] = []
    eligible: list[tuple[Candidate, int]] = []
    speakers: list[tuple[Candidate, int]] = []
    for agent in candidates:
        if agent.presence != Presence.ONLINE:
            skipped.append(f"{_name(agent)} {agent.presence}")
            continue
        if not calendar_is_open(agent.shift or team_shift, at):
            skipped.append(f"{_name(agent)} off shift")
            continue
        load = loads.get(agent.pk, 0)
        if load >= agent.capacity:
            skipped.append(f"{_name(agent)} full ({load} of {agent.capacity})")
            continue
        if agent.categories and ticket.category not in agent.categories:
            skipped.append(f"{_name(agent)} does not handle {ticket.category or 'unknown issues'}")
            continue
        if agent.platforms and ticket.platform not in agent.platforms:
            skipped.append(f"{_name(agent)} does not handle {ticket.platform or 'direct'}")
            continue
        eligible.append((agent, load))
        if ticket.language and ticket.language in agent.languages:
            speakers.append((agent, load))
    language_note = ""
    if ticket.language:
        if speakers:
            eligible = speakers
        elif eligible:
            language_note = f"nobody available speaks {ticket.language}"
    if not eligible:
        reason = f"no agent of {team.name} available"
        reason += f" ({'; '.join(skipped)})" if skipped else ""
        return Choice(None, reason, skipped, rules_stamp=stamp)
    (agent, load), how = _pick(eligible, settings, previous)
    skills = []
    if ticket.language and ticket.language in agent.languages:
        skills.append(f"speaks {ticket.language}")
    if agent.categories and ticket.category:
        skills.append(f"handles {ticket.category}")
    if agent.platforms and ticket.platform:
        skills.append(f"on {ticket.platform}")
    if agent.shift is not None or team_shift is not None:
        skills.append("on shift")
    skills.append(f"{load} of {agent.capacity} slots used")
    reason = f"routed to {_name(agent)}: {', '.join(skills)} ({how})"
    if language_note:
        reason += f"; {language_note}"
    if skipped:
        # Why not the others, a few of them: the reason stays a line, not a roster.
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        reason += f"; skipped {', '.join(skipped[:5])}{more}"
    # The chosen user as a model without another query: its other fields load when read.
    user = User.from_db(
        connection.alias,
        ["id", "username", "display_name"],
        [agent.pk, agent.username, agent.display_name],
    )
    choice = Choice(user, reason, skipped, rules_stamp=stamp)
    if settings.mode == AssignMode.ROUND_ROBIN and settings.pk is not None:
        choice.turn_of = settings.pk
    if settle:
        choice.settle()
    return choice


def _loads(candidates: Sequence[Candidate], ticket: Ticket) -> tuple[dict[int, int], int | None]:
    """Each candidate's open tickets and the buyer's previous agent, in one statement."""
    if not candidates:
        return {}, None
    customer = ticket.customer_id is not None
    params: list[Any] = [c.pk for c in candidates]
    if customer:
        params += [ticket.customer_id, ticket.pk]
    with connection.cursor() as cursor:
        cursor.execute(_loads_sql(len(candidates), customer), params)
        rows = cursor.fetchall()
    loads: dict[int, int] = {}
    previous: int | None = None
    for agent_id, n in rows:
        if agent_id is None:
            previous = n
        else:
            loads[agent_id] = n
    return loads, previous


def _pick(
    eligible: list[tuple[Candidate, int]],
    settings: TeamRouting,
    previous: int | None,
) -> tuple[tuple[Candidate, int], str]:
    for item in eligible:
        if previous is not None and item[0].pk == previous:
            return item, "the buyer's previous agent"
    if settings.mode == AssignMode.ROUND_ROBIN:
        if settings.pk is not None:
            # Read under the team's lock: two tickets at once take turns, not the same agent.
            settings = TeamRouting.objects.select_for_update().get(pk=settings.pk)
        last = settings.last_agent_id
        order = [item[0].pk for item in eligible]  # by username
        if last in order:
            return eligible[(order.index(last) + 1) % len(eligible)], "round robin"
        after = [item for item in eligible if last is None or item[0].username > _username(last)]
        return (after or eligible)[0], "round robin"
    best = min(eligible, key=lambda item: (item[1] / max(item[0].capacity, 1), item[1]))
    return best, "least loaded"


def _username(pk: int) -> str:
    return User.objects.filter(pk=pk).values_list("username", flat=True).first() or ""
