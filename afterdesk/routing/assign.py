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
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.db.models import Count

from afterdesk.accounts.models import Role, Team, User
from afterdesk.calendars.business_time import BusinessCalendar
from afterdesk.routing.models import AgentRouting, AssignMode, Presence, TeamRouting
from afterdesk.tickets.models import SOLVED_STATUSES, Ticket

ASSIGNABLE_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)


@dataclass
class Candidate:
    """An agent of the team as routing sees them (one row of one query)."""

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "user_id", "user__username", "user__display_name", "capacity", "categories",
        "platforms", "presence", "shift_id", "shift__tz", "shift__hours", "shift__holidays",
        "user__profile__languages",
    )  # fmt: skip
    pk: int
    username: str
    display_name: str
    capacity: int
    categories: list[str]
    platforms: list[str]
    presence: str
    shift_id: int | None
    shift_tz: str | None
    shift_hours: dict[str, Any] | None
    shift_holidays: list[str] | None
    languages: list[str] | None


@dataclass
class Choice:
    agent: User | None
    reason: str
    skipped: list[str] = field(default_factory=list)


def team_settings(team: Team) -> TeamRouting:
    """The team's settings; the defaults (not stored) for a team without a row."""
    row = TeamRouting.objects.filter(team=team).first()
    return row if row is not None else TeamRouting(team=team)


def on_shift(shift: BusinessCalendar | None, at: datetime) -> bool:
    """Inside one of the shift's weekly intervals (in its time zone), not on a holiday; no
    shift: always."""
    if shift is None:
        return True
    local = at.astimezone(shift.tz).date()
    return any(
        start <= at < end for start, end in shift.open_intervals(local - timedelta(days=1), local)
    )


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


def agent_choose(
    *,
    ticket: Ticket,
    team: Team,
    at: datetime,
    exclude: Sequence[int] = (),
    settings: TeamRouting | None = None,
) -> Choice:
    """The agent of `team` who gets `ticket` now, or None with the reason nobody did."""
    settings = settings or team_settings(team)
    if not settings.auto_assign:
        return Choice(None, f"team {team.name} assigns by hand")
    # One query: the team's routable agents with their languages and shift, as plain values
    # (no model objects: this runs for every new ticket), their routing rows locked (see the
    # module's docstring).
    rows = (
        AgentRouting.objects.select_for_update(of=("self",))
        .filter(user__teams=team, user__is_active=True, user__role__in=ASSIGNABLE_ROLES)
        .exclude(user_id__in=exclude)
        .order_by("pk")
        .values_list(*Candidate.COLUMNS)
    )
    candidates = sorted((Candidate(*row) for row in rows), key=lambda c: c.username)
    members = {c.pk: c for c in candidates}
    profiles = members
    languages = {c.pk: c.languages or [] for c in candidates}
    loads = open_loads(list(profiles))
    skipped: list[str] = []
    eligible: list[tuple[Candidate, Candidate, int]] = []
    speakers: list[tuple[Candidate, Candidate, int]] = []
    for pk, user in members.items():
        profile = profiles[pk]
        if profile.presence != Presence.ONLINE:
            skipped.append(f"{_name(user)} {profile.presence}")
            continue
        shift = _calendar(profile)
        if not on_shift(shift, at):
            skipped.append(f"{_name(user)} off shift")
            continue
        load = loads.get(pk, 0)
        if load >= profile.capacity:
            skipped.append(f"{_name(user)} full ({load} of {profile.capacity})")
            continue
        if profile.categories and ticket.category not in profile.categories:
            skipped.append(f"{_name(user)} does not handle {ticket.category or 'unknown issues'}")
            continue
        if profile.platforms and ticket.platform not in profile.platforms:
            skipped.append(f"{_name(user)} does not handle {ticket.platform or 'direct'}")
            continue
        eligible.append((user, profile, load))
        if ticket.language and ticket.language in languages.get(pk, []):
            speakers.append((user, profile, load))
    language_note = ""
    if ticket.language:
        if speakers:
            eligible = speakers
        elif eligible:
            language_note = f"nobody available speaks {ticket.language}"
    if not eligible:
        reason = f"no agent of {team.name} available"
        return Choice(None, reason + (f" ({'; '.join(skipped)})" if skipped else ""), skipped)
    chosen, how = _pick(ticket, eligible, settings)
    user, profile, load = chosen
    skills = []
    if ticket.language and ticket.language in languages.get(user.pk, []):
        skills.append(f"speaks {ticket.language}")
    if profile.categories and ticket.category:
        skills.append(f"handles {ticket.category}")
    if profile.platforms and ticket.platform:
        skills.append(f"on {ticket.platform}")
    if profile.shift_id is not None:
        skills.append("on shift")
    skills.append(f"{load} of {profile.capacity} slots used")
    reason = f"routed to {_name(user)}: {', '.join(skills)} ({how})"
    if language_note:
        reason += f"; {language_note}"
    if skipped:
        # Why not the others, a few of them: the reason stays a line, not a roster.
        more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
        reason += f"; skipped {', '.join(skipped[:5])}{more}"
    if settings.mode == AssignMode.ROUND_ROBIN and settings.pk is not None:
        TeamRouting.objects.filter(pk=settings.pk).update(last_agent_id=user.pk)
    return Choice(User.objects.get(pk=user.pk), reason, skipped)


def _calendar(profile: Candidate) -> BusinessCalendar | None:
    if profile.shift_id is None:
        return None
    return _calendar_of(
        profile.shift_tz,
        json.dumps(profile.shift_hours, sort_keys=True),
        json.dumps(profile.shift_holidays),
    )


@functools.lru_cache(maxsize=256)
def _calendar_of(tz: str, hours: str, holidays: str) -> BusinessCalendar:
    """Parsed once per shift's content (every new ticket checks every candidate's shift)."""
    return BusinessCalendar.from_fields(
        tz=tz, hours=json.loads(hours), holidays=json.loads(holidays)
    )


def _pick(
    ticket: Ticket,
    eligible: list[tuple[Candidate, Candidate, int]],
    settings: TeamRouting,
) -> tuple[tuple[Candidate, Candidate, int], str]:
    if ticket.customer_id is not None:
        previous = (
            Ticket.objects.filter(customer_id=ticket.customer_id, assignee__isnull=False)
            .exclude(pk=ticket.pk)
            .order_by("-created_at", "-id")
            .values_list("assignee_id", flat=True)
            .first()
        )
        for item in eligible:
            if item[0].pk == previous:
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
    best = min(eligible, key=lambda item: (item[2] / max(item[1].capacity, 1), item[2]))
    return best, "least loaded"


def _username(pk: int) -> str:
    return User.objects.filter(pk=pk).values_list("username", flat=True).first() or ""
