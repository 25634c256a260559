"""A routing decision on a ticket: one `routing` event with its reason in words (docs/routing.md),
the priority and tags a rule set, and the `assign` event that gives the ticket to its team and
agent, all as one change.

The tickets app decides nothing itself and does not import `afterdesk.routing`: the routing
app decides and calls `ticket_route` (as the channels pass in the triage decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.events import TRIAGE_REASON_MAX_LENGTH
from afterdesk.tickets.models import Priority, Tag, Ticket, TicketEvent
from afterdesk.tickets.services.changes import remember_related, ticket_change

ROUTING_REASON_MAX_LENGTH = TRIAGE_REASON_MAX_LENGTH


# No savepoint: a new ticket's routing runs inside its first change, and a failure there
# fails the whole change anyway (two statements less per new ticket).
@transaction.atomic(savepoint=False)
def ticket_route(
    *,
    ticket: Ticket,
    reason: str,
    rule: str = "",
    priority: str = "",
    tags: Sequence[str] = (),
    team: Team | None = None,
    agent: User | None = None,
    unassign: bool = False,
    at: datetime | None = None,
) -> TicketEvent:
    """Write the decision: the `routing` event (reason; the rule's name, the priority and the
    tags it set, when it set them), then set the priority, add the tags and, when the team or
    the agent changes, an `assign` event at the same instant. `unassign`: take the ticket from
    its agent when `agent` is None (a reassignment that found nobody). The same decision at
    the same instant again is that event and changes nothing."""
    if not reason.strip() or len(reason) > ROUTING_REASON_MAX_LENGTH:
        raise ValidationError("a routing decision needs a reason", field="reason")
    if priority and priority not in Priority.values:
        raise ValidationError(f"unknown priority {priority!r}", field="priority")
    clean_tags = sorted({tag.strip().lower()[:50] for tag in tags if tag.strip()})
    fields: dict[str, Any] = {"reason": reason}
    if rule:
        fields["rule"] = rule
    if priority:
        fields["priority"] = priority
    if clean_tags:
        fields["tags"] = clean_tags
    at = at or timezone.now()
    with ticket_change(ticket) as change:
        event = change.record(kind="routing", fields=fields, at=at)
        if event.pk is not None:  # stored before: already applied
            return event
        current = change.ticket
        if priority and current.priority != priority:
            current.priority = priority
            change.save_ticket("priority")
        if clean_tags:
            _tags_add(current, clean_tags)
        same_agent = current.assignee_id == (agent.pk if agent else None)
        same_team = team is None or team.pk == current.team_id
        if (agent is not None or unassign or team is not None) and not (same_agent and same_team):
            if agent is None and not unassign:
                # Only the team changes: the agent it has (none for a new ticket) stays.
                agent = current.assignee
            assign: dict[str, Any] = {"agent": agent.username if agent else None}
            if team is not None:
                assign["team"] = team.name
            change.record(kind="assign", fields=assign, agent=agent, at=at, team=team)
    return event


def _tags_add(ticket: Ticket, names: Sequence[str]) -> None:
    have: dict[str, Tag] = {tag.name: tag for tag in ticket.tags.all()}
    added = [Tag.objects.get_or_create(name=name)[0] for name in names if name not in have]
    if added:
        ticket.tags.add(*added)
        tags: list[Tag] = [*have.values(), *added]
        tags.sort(key=lambda tag: str(tag.name))
        remember_related(ticket, "tags", tags)
