"""`history_export`: the database as a JSON Lines history file (docs/history.md, "Export").

Calendars, then agents, then each ticket followed by its events in event order. Optional fields
that are empty or default are left out, times are UTC with `Z`, so exporting what an export
imported gives the same bytes. Tickets are read in keyset pages with their events fetched per
page (one query each), so memory stays bounded whatever the size of the history. A `progress`
that is shown gets the number of tickets first (one more query) and a page at a time.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TextIO

from afterdesk.accounts.models import AgentProfile, User
from afterdesk.accounts.selectors import position_for_history
from afterdesk.calendars.models import Calendar
from afterdesk.calendars.services import calendar_to_history
from afterdesk.core.progress import NO_PROGRESS, Progress
from afterdesk.core.timeutil import format_instant
from afterdesk.tickets.events import EVENT_SPECS
from afterdesk.tickets.models import Priority, Ticket, TicketEvent

PAGE_SIZE = 1000


def history_export(out: TextIO, *, progress: Progress = NO_PROGRESS) -> dict[str, int]:
    """Write the whole history to `out`; return the number of lines per type."""
    counts: Counter[str] = Counter()
    total = Ticket.objects.count() if progress.shown else None
    progress.stage("Exporting", total=total, unit="tickets", items="lines")
    for line in _history_lines(progress):
        out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        counts[line["type"]] += 1
    return {kind: counts[kind] for kind in ("calendar", "agent", "ticket", *EVENT_SPECS)}


def _history_lines(progress: Progress) -> Iterator[dict[str, Any]]:
    for calendar in Calendar.objects.order_by("key").iterator(chunk_size=PAGE_SIZE):
        yield calendar_to_history(calendar)
    users = User.objects.order_by("username").select_related("profile").prefetch_related("teams")
    for user in users.iterator(chunk_size=PAGE_SIZE):
        yield agent_to_history(user)
    last_id: str | None = None
    while True:
        page = Ticket.objects.order_by("external_id").select_related("store", "calendar")
        if last_id is not None:
            page = page.filter(external_id__gt=last_id)
        tickets = list(page[:PAGE_SIZE])
        if not tickets:
            return
        last_id = tickets[-1].external_id
        events = _events_by_ticket({ticket.pk: ticket.external_id for ticket in tickets})
        for ticket in tickets:
            yield ticket_to_history(ticket)
            yield from events.get(ticket.pk, ())
        lines = len(tickets) + sum(len(ticket_events) for ticket_events in events.values())
        progress.advance(len(tickets), items=lines)


def agent_to_history(user: User) -> dict[str, Any]:
    """`role` is the agent's position, unchanged; with no position it is left out, except for
    a supervisor or QA reviewer, whose access level is written so that an import gives it back
    (`accounts.selectors.position_for_history`). An admin's access is never exported: an
    import does not make administrators."""
    try:
        profile: AgentProfile | None = user.profile
    except AgentProfile.DoesNotExist:
        profile = None
    teams = sorted(team.name for team in user.teams.all())
    line: dict[str, Any] = {
        "type": "agent",
        "id": user.username,
        "name": user.display_name,  # may be empty; the UI falls back to the username
    }
    optional = {
        "role": position_for_history(user=user),
        "team": teams[0] if teams else "",
        "shift": profile.shift if profile else "",
        "languages": profile.languages if profile else [],
        "email": user.email,
    }
    line.update((key, value) for key, value in optional.items() if value)
    return line


def ticket_to_history(ticket: Ticket) -> dict[str, Any]:
    line: dict[str, Any] = {
        "type": "ticket",
        "id": ticket.external_id,
        "created_at": format_instant(ticket.created_at),
        "channel": ticket.channel,
    }
    optional: dict[str, Any] = {
        "subject": ticket.subject,
        "platform": ticket.platform,
        "store": ticket.store.code if ticket.store else "",
        "market": ticket.market,
        "language": ticket.language,
        "category": ticket.category,
        "priority": "" if ticket.priority == Priority.NORMAL else ticket.priority,
        "calendar": ticket.calendar.key if ticket.calendar else "",
        "order_value": _number(ticket.order_value),
        "currency": ticket.currency,
    }
    line.update((key, value) for key, value in optional.items() if value not in ("", None))
    return line


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _events_by_ticket(external_ids: dict[int, str]) -> dict[int, list[dict[str, Any]]]:
    result: dict[int, list[dict[str, Any]]] = {}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=list(external_ids))
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "kind", "at", "fields", "message__body_text")
    )
    for ticket_pk, kind, at, fields, body in rows:
        line: dict[str, Any] = {
            "type": kind,
            "ticket": external_ids[ticket_pk],
            "at": format_instant(at),
        }
        line.update(_ordered_fields(kind, fields))
        if kind == "message" and body:
            line["body"] = body
        result.setdefault(ticket_pk, []).append(line)
    return result


def _ordered_fields(kind: str, fields: dict[str, Any]) -> list[tuple[str, Any]]:
    """The format's field order (docs/history.md, "Event types"), whatever the database kept."""
    spec = EVENT_SPECS.get(kind)
    order = [*spec.required, *spec.optional] if spec else []
    known = [(key, fields[key]) for key in order if key in fields]
    return known + sorted((key, value) for key, value in fields.items() if key not in order)
