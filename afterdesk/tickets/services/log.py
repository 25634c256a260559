"""The event log: keeping each ticket's state current with its log after imports and late
events (an action's own events are recorded by `tickets.services.changes`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import nh3
from django.db import connection

from afterdesk.accounts.models import User
from afterdesk.accounts.services import team_get_or_create
from afterdesk.tickets.consumers import tickets_changed
from afterdesk.tickets.log_reader import EventRow, TicketHead, ticket_history_load
from afterdesk.tickets.models import Ticket
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


def ticket_refresh_state(*, ticket_ids: Sequence[int], chunk_size: int = 1000) -> None:
    """Recompute status/assignee/team/updated_at/buyer_message_at from the log and tell the
    log's consumers (the metric facts) after imports. Each chunk's events are read once and
    serve both."""
    ids = list(ticket_ids)
    cache: dict[str, Any] = {}
    for start in range(0, len(ids), chunk_size):
        tickets, events = ticket_history_load(ticket_ids=ids[start : start + chunk_size])
        tickets_replay_state(tickets=tickets, events=events)
        tickets_changed.notify(tickets=tickets, events=events, cache=cache, appended={})


def tickets_replay_state(
    *, tickets: Sequence[TicketHead], events: Mapping[int, Sequence[EventRow]]
) -> None:
    """Save the status, assignee, team, updated_at and buyer_message_at that these tickets'
    logs (`events`, in event order) say they have (`tickets.state.replay_state`)."""
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
            state.buyer_message_at,
        )
        for pk, state in states.items()
    )


def _tickets_save_state(
    states: Iterable[tuple[int, str, int | None, int | None, datetime, datetime | None]],
) -> None:
    """(pk, status, assignee id, team id or None to keep it, updated_at, buyer_message_at) per
    ticket, one plain
    UPDATE each through executemany: bulk_update's CASE expressions cost milliseconds per row
    to build, which dominated large history imports."""
    quote = connection.ops.quote_name
    sql = (  # only quoted identifiers are interpolated; values are parameters
        f"UPDATE {quote(Ticket._meta.db_table)} SET {quote('status')} = %s, "  # noqa: S608
        f"{quote('assignee_id')} = %s, "
        f"{quote('team_id')} = COALESCE(%s, {quote('team_id')}), {quote('updated_at')} = %s, "
        f"{quote('buyer_message_at')} = %s WHERE {quote('id')} = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [
        (status, assignee, team, adapt(updated_at), adapt(buyer_message_at), pk)
        for pk, status, assignee, team, updated_at, buyer_message_at in states
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)
