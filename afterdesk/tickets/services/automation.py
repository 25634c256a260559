"""An automation rule's writes on a ticket: one `automation` event naming the rule, what
started it and what its actions did (or why it failed), with the fields it set, as one change
(docs/automations.md, "The firing log").

The tickets app decides nothing itself and does not import `afterdesk.automations`: the
automations app decides and calls these (as routing calls `ticket_route`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from afterdesk.accounts.models import Team, User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import MessageKind, Priority, Status, Tag, Ticket, TicketEvent
from afterdesk.tickets.services.changes import remember_related, ticket_change
from afterdesk.tickets.transitions import status_transition_check

AUTOMATION_TEXT_MAX = 4000


@transaction.atomic
def ticket_automate(
    *,
    ticket: Ticket,
    rule: str,
    trigger: str,
    actions: Sequence[str],
    error: str = "",
    priority: str = "",
    status: str = "",
    tags: Sequence[str] = (),
    agent: User | None = None,
    team: Team | None = None,
    unassign: bool = False,
    at: datetime | None = None,
) -> TicketEvent:
    """Write the `automation` event, then the fields the rule sets: priority, tags (added),
    status (a `status` event without an agent) and assignment (an `assign` event), all at the
    same instant. A failed firing (`error`) writes only its event."""
    if not rule.strip() or len(rule) > 100:
        raise ValidationError("an automation names its rule", field="rule")
    if priority and priority not in Priority.values:
        raise ValidationError(f"unknown priority {priority!r}", field="priority")
    if status and status not in Status.values:
        raise ValidationError(f"unknown status {status!r}", field="status")
    fields: dict[str, Any] = {
        "rule": rule,
        "trigger": trigger,
        "actions": [text[:AUTOMATION_TEXT_MAX] for text in actions],
    }
    if error:
        fields["error"] = error[:AUTOMATION_TEXT_MAX]
    at = at or timezone.now()
    with ticket_change(ticket) as change:
        event = change.record(kind="automation", fields=fields, at=at)
        if error or event.pk is not None:  # failed, or stored before: nothing to apply
            return event
        current = change.ticket
        if priority and current.priority != priority:
            current.priority = priority
            change.save_ticket("priority")
        clean = sorted({tag.strip().lower()[:50] for tag in tags if tag.strip()})
        if clean:
            have = {tag.name: tag for tag in current.tags.all()}
            added = [Tag.objects.get_or_create(name=name)[0] for name in clean if name not in have]
            if added:
                current.tags.add(*added)
                chosen = sorted([*have.values(), *added], key=lambda t: t.name)
                remember_related(current, "tags", chosen)
        if status and status != current.status:
            status_transition_check(current=current.status, target=status)
            change.record(kind="status", fields={"status": status}, at=at)
        same_agent = current.assignee_id == (agent.pk if agent else None)
        same_team = team is None or team.pk == current.team_id
        if (agent is not None or unassign or team is not None) and not (same_agent and same_team):
            if agent is None and not unassign:
                agent = current.assignee
            assign: dict[str, Any] = {"agent": agent.username if agent else None}
            if team is not None:
                assign["team"] = team.name
            change.record(kind="assign", fields=assign, agent=agent, at=at, team=team)
    return event


@transaction.atomic
def automation_note_add(*, ticket: Ticket, body: str, at: datetime | None = None) -> TicketEvent:
    """An internal note written by a rule: a `note` message without an agent (nobody wrote
    it), never shown to the buyer."""
    if not body.strip():
        raise ValidationError("the note is empty", field="body")
    with ticket_change(ticket) as change:
        return change.record(
            kind="message", fields={"kind": MessageKind.NOTE}, at=at or timezone.now(), body=body
        )
