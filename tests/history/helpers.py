"""Lines and snapshots shared by the history import/export tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from afterdesk.accounts.models import User
from afterdesk.accounts.selectors import position_for_history
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Store
from afterdesk.tickets.models import Ticket, TicketEvent

CALENDAR: dict[str, Any] = {
    "type": "calendar",
    "id": "eu",
    "tz": "Europe/Berlin",
    "hours": {"mon": [["09:00", "12:00"], ["13:00", "17:00"]]},
}
AGENT: dict[str, Any] = {"type": "agent", "id": "anna", "name": "Anna", "team": "EU"}
REVIEWER: dict[str, Any] = {"type": "agent", "id": "quinn", "name": "Q", "role": "qa_reviewer"}
TICKET: dict[str, Any] = {
    "type": "ticket",
    "id": "T-1",
    "created_at": "2026-10-01T08:00:00Z",
    "channel": "email",
    "calendar": "eu",
}


def event(type_: str, at: str = "2026-10-01T09:00:00Z", /, **fields: Any) -> dict[str, Any]:
    return {"type": type_, "ticket": "T-1", "at": at, **fields}


INBOUND = event("message", "2026-10-01T08:00:00Z", kind="inbound", body="Where is it?")
REPLY = event("message", kind="reply", agent="anna", body="On its way")


def write_history(path: Path, *lines: dict[str, Any] | str) -> Path:
    """One line per item: dicts as JSON, strings as they are (for broken lines)."""
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def history_snapshot() -> dict[str, Any]:
    """What an export must carry over: tickets, their state and their events, by history id."""
    tickets = {
        t.external_id: (
            t.created_at,
            t.channel,
            t.subject,
            t.platform,
            t.store.code if t.store else None,
            t.market,
            t.language,
            t.category,
            t.priority,
            t.calendar.key if t.calendar else None,
            t.order_value,
            t.currency,
            t.status,
            t.assignee.username if t.assignee else None,
            t.team.name if t.team else None,
            t.updated_at,
        )
        for t in Ticket.objects.select_related("store", "calendar", "assignee", "team")
    }
    events = [
        (
            e.ticket.external_id,
            e.kind,
            e.at,
            e.fields,
            e.subtype,
            e.score,
            e.agent.username if e.agent else None,
            e.fingerprint,
            e.message.body_text if e.kind == "message" else None,
        )
        for e in TicketEvent.objects.select_related("ticket", "agent", "message").order_by(
            "ticket__external_id", "at", "id"
        )
    ]
    agents = {
        u.username: (
            u.display_name,
            # as the history carries it: a supervisor made in the app without a position
            # comes back with the position `supervisor` (docs/history.md, "Export")
            position_for_history(user=u),
            u.role,
            u.email,
            sorted(t.name for t in u.teams.all()),
        )
        for u in User.objects.prefetch_related("teams")
    }
    calendars = {c.key: (c.tz, c.hours, c.holidays) for c in Calendar.objects.all()}
    return {"tickets": tickets, "events": events, "agents": agents, "calendars": calendars}


def flush_history() -> None:
    """Empty the database of everything a history holds (tickets first: events protect)."""
    Ticket.objects.all().delete()
    User.objects.all().delete()
    Calendar.objects.all().delete()
    Store.objects.all().delete()
