"""A ticket's state as its event log says it: the one fold of status, assignee and team.

A ticket starts `new`, unassigned and without a team, dated by its creation. In event order
`(at, id)`, a `status` event sets the status; an `assign` event sets the assignee (none for
an unassignment) and, when it names one, the team; every event dates the ticket (the newest
`at` is its `updated_at`), and the newest inbound `message` event dates the buyer's last message
(`buyer_message_at`). The replay after imports and rebuilds (`tickets.services`) and the
history import's tickets new to the database (`history.fresh`) fold with `replay_state`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from afterdesk.tickets.models import Status

Agent = TypeVar("Agent")


@dataclass(frozen=True)
class TicketState(Generic[Agent]):
    """What the event log says a ticket's status, assignee and team are. The assignee is the
    agent as the events name it: a username in the log's fields, a user id in the history
    import's packed log."""

    status: str
    assignee: Agent | None
    team_name: str | None
    updated_at: datetime
    buyer_message_at: datetime | None = None


def replay_state(
    *, created_at: datetime, events: Iterable[tuple[str, datetime, Mapping[str, Any]]]
) -> TicketState[Any]:
    """Fold a ticket's events `(kind, at, fields)`, in event order, into its current state:
    `fields["status"]` of a status event, `fields["agent"]` and `fields["team"]` of an
    assignment, `fields["kind"]` of a message; the fields of other events are not read."""
    status = Status.NEW.value
    assignee: Any = None
    team: str | None = None
    updated_at = created_at
    buyer_message_at: datetime | None = None
    for kind, at, fields in events:
        updated_at = max(updated_at, at)
        if kind == "message":
            if fields.get("kind") == "inbound":
                buyer_message_at = at if buyer_message_at is None else max(buyer_message_at, at)
        elif kind == "status":
            status = fields["status"]
        elif kind == "assign":
            assignee = fields.get("agent")
            if fields.get("team"):
                team = fields["team"]
    return TicketState(status, assignee, team, updated_at, buyer_message_at)
