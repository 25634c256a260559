"""The event log: recording events and keeping each ticket's derived state current."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import nh3
from django.db import connection
from django.utils import timezone

from afterdesk.accounts.models import User
from afterdesk.accounts.services import team_get_or_create
from afterdesk.core.errors import Conflict, ValidationError
from afterdesk.tickets.consumers import tickets_changed, tickets_log_changed
from afterdesk.tickets.events import (
    SLA_TARGETS,
    SYSTEM_EVENT_TYPES,
    canonical_fields,
    event_columns,
    event_fingerprint,
    sla_deadline,
)
from afterdesk.tickets.log_reader import EventRow, TicketHead, ticket_history_load
from afterdesk.tickets.models import (
    Message,
    Ticket,
    TicketEvent,
)
from afterdesk.tickets.state import TicketState, replay_state


def sanitize_html(html: str) -> str:
    """Inbound HTML through nh3's allow-list; only `cid:` images (docs/reliability.md,
    "Inbound email and marketplace messages")."""
    if not html:
        return ""
    return nh3.clean(
        html,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


# ---------------------------------------------------------------------------- event log


def event_record(
    *,
    ticket: Ticket,
    kind: str,
    fields: dict[str, Any],
    at: datetime | None = None,
    agent: User | None = None,
    body: str | None = None,
    body_html: str = "",
    external_message_id: str = "",
) -> TicketEvent:
    """Append one event (and its Message for `message` events) and update the ticket's state.

    Must run inside the caller's transaction. An event equal to a stored one is that event
    (docs/history.md, "Idempotence"), so recording it twice returns the stored one.
    """
    at = at or timezone.now()
    line_fields = dict(fields)
    if body is not None:
        line_fields["body"] = body
    fingerprint = event_fingerprint(kind, at, line_fields)
    existing = TicketEvent.objects.filter(ticket=ticket, fingerprint=fingerprint).first()
    if existing is not None:
        return existing
    stored_fields = canonical_fields(kind, fields)
    if kind in SYSTEM_EVENT_TYPES:
        _sla_event_check(ticket=ticket, kind=kind, fields=stored_fields)
    if kind == "message":
        # A message's body lives in its Message row; a complaint's body is one of its fields.
        stored_fields.pop("body", None)
    subtype, score = event_columns(kind, stored_fields)
    event = TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        at=at,
        agent=agent,
        subtype=subtype,
        score=score,
        fields=stored_fields,
        fingerprint=fingerprint,
    )
    if kind == "message":
        Message.objects.create(
            ticket=ticket,
            event=event,
            kind=stored_fields["kind"],
            author=agent,
            body_text=body or "",
            body_html=sanitize_html(body_html),
            external_message_id=external_message_id,
            created_at=at,
        )
    _apply_to_ticket(ticket=ticket, event=event, agent=agent)
    # What derives from the log (the metric facts) is part of the change: its consumers
    # recompute it in the same transaction (tickets.consumers).
    tickets_log_changed(ticket_ids=[ticket.pk])
    return event


def _sla_event_check(*, ticket: Ticket, kind: str, fields: dict[str, Any]) -> None:
    """An SLA event's fields as the history format allows them, and at most one `sla_breach`
    per ticket, target and deadline (`due` as an instant; docs/history.md)."""
    if fields.get("target") not in SLA_TARGETS:
        raise ValidationError(f"{kind} needs a target: {', '.join(SLA_TARGETS)}", field="target")
    if not isinstance(fields.get("policy", ""), str):
        raise ValidationError("policy must be a string", field="policy")
    try:
        deadline = sla_deadline(fields)
    except ValueError as exc:
        raise ValidationError(f"due: {exc}", field="due") from exc
    if kind != "sla_breach":
        return
    stored = TicketEvent.objects.filter(
        ticket=ticket, kind="sla_breach", subtype=deadline[0]
    ).values_list("fields", flat=True)
    if any(sla_deadline(other) == deadline for other in stored):
        raise Conflict(
            f"ticket {ticket.external_id!r} already has an sla_breach for {deadline[0]} and "
            "this deadline; at most one sla_breach per ticket, target and deadline"
        )


def _apply_to_ticket(*, ticket: Ticket, event: TicketEvent, agent: User | None) -> None:
    latest = TicketEvent.objects.filter(ticket=ticket).order_by("-at", "-id").first()
    if latest is not None and latest.pk != event.pk:
        # An event dated before the newest one (a late import): replay the whole log.
        tickets, events = ticket_history_load(ticket_ids=[ticket.pk])
        _refresh_state(tickets=tickets, events=events)
        ticket.refresh_from_db()
        return
    update = ["updated_at"]
    ticket.updated_at = max(ticket.updated_at, event.at)
    if event.kind == "status":
        ticket.status = event.fields["status"]
        update.append("status")
    elif event.kind == "assign":
        ticket.assignee = agent
        update.append("assignee")
        if event.fields.get("team"):
            ticket.team = team_get_or_create(name=event.fields["team"])
            update.append("team")
    ticket.save(update_fields=update)


def ticket_refresh_state(*, ticket_ids: Sequence[int], chunk_size: int = 1000) -> None:
    """Recompute status/assignee/team/updated_at from the log and tell the log's consumers
    (the metric facts) after imports. Each chunk's events are read once and serve both."""
    ids = list(ticket_ids)
    cache: dict[str, Any] = {}
    for start in range(0, len(ids), chunk_size):
        tickets, events = ticket_history_load(ticket_ids=ids[start : start + chunk_size])
        _refresh_state(tickets=tickets, events=events)
        tickets_changed.notify(tickets=tickets, events=events, cache=cache)


def _refresh_state(
    *, tickets: Sequence[TicketHead], events: Mapping[int, Sequence[EventRow]]
) -> None:
    usernames: set[str] = set()
    team_names: set[str] = set()
    states: dict[int, TicketState[str]] = {}
    for pk, created_at, _calendar in tickets:
        state = replay_state(
            created_at=created_at,
            events=((e.kind, e.at, e.fields) for e in events.get(pk, ())),
        )
        states[pk] = state
        if state.assignee:
            usernames.add(state.assignee)
        if state.team_name:
            team_names.add(state.team_name)
    users = dict(User.objects.filter(username__in=usernames).values_list("username", "pk"))
    teams = {name: team_get_or_create(name=name).pk for name in sorted(team_names)}
    _tickets_save_state(
        (
            pk,
            state.status,
            users.get(state.assignee or ""),
            teams[state.team_name] if state.team_name else None,
            state.updated_at,
        )
        for pk, state in states.items()
    )


def _tickets_save_state(
    states: Iterable[tuple[int, str, int | None, int | None, datetime]],
) -> None:
    """(pk, status, assignee id, team id or None to keep it, updated_at) per ticket, one plain
    UPDATE each through executemany: bulk_update's CASE expressions cost milliseconds per row
    to build, which dominated large history imports."""
    quote = connection.ops.quote_name
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"UPDATE {quote(Ticket._meta.db_table)} SET {quote('status')} = %s, "  # noqa: S608
        f"{quote('assignee_id')} = %s, "
        f"{quote('team_id')} = COALESCE(%s, {quote('team_id')}), {quote('updated_at')} = %s "
        f"WHERE {quote('id')} = %s"
    )
    rows = [
        (status, assignee, team, connection.ops.adapt_datetimefield_value(updated_at), pk)
        for pk, status, assignee, team, updated_at in states
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
