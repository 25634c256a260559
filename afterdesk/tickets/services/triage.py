"""A ticket's triage: the automatic decision on its first message (language, issue type, risk,
priority, with the reason), or an agent's correction of it. Each is one `triage` event
(docs/history.md, "Events Afterdesk writes itself") and sets the ticket's language, category
and priority.

The tickets app decides nothing itself and does not import `afterdesk.triage`: the channel
that opened the ticket passes the decision in (`channels.services.intake`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from afterdesk.accounts.models import User
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.events import (
    TRIAGE_ISSUE_TYPES,
    TRIAGE_LANGUAGE_MAX_LENGTH,
    TRIAGE_REASON_MAX_LENGTH,
    TRIAGE_RISK_FLAGS,
)
from afterdesk.tickets.models import Priority, Ticket, TicketEvent
from afterdesk.tickets.services.changes import TicketChange, ticket_change

PRIORITY_ORDER: tuple[str, ...] = tuple(Priority.values)  # low, normal, high, urgent


def triage_fields(
    *,
    language: str,
    issue_type: str,
    risk: int,
    risk_flags: Sequence[str],
    priority: str,
    reason: str,
    by: User | None,
) -> dict[str, Any]:
    """The event's fields, checked as the history format checks a `triage` line; an agent's
    correction must name a language (it becomes a label: docs/triage.md)."""
    if not isinstance(language, str) or len(language) > TRIAGE_LANGUAGE_MAX_LENGTH:
        raise ValidationError(
            f"language must be a code of at most {TRIAGE_LANGUAGE_MAX_LENGTH} characters",
            field="language",
        )
    if by is not None and not language:
        raise ValidationError("a correction names the message's language", field="language")
    if issue_type not in TRIAGE_ISSUE_TYPES:
        raise ValidationError(
            f"unknown issue type {issue_type!r}; use {', '.join(TRIAGE_ISSUE_TYPES)}",
            field="issue_type",
        )
    if isinstance(risk, bool) or not isinstance(risk, int) or not 0 <= risk <= 100:
        raise ValidationError("risk must be an integer from 0 to 100", field="risk")
    unknown = [flag for flag in risk_flags if flag not in TRIAGE_RISK_FLAGS]
    if unknown:
        raise ValidationError(
            f"unknown risk flag {unknown[0]!r}; use {', '.join(TRIAGE_RISK_FLAGS)}",
            field="risk_flags",
        )
    if priority not in PRIORITY_ORDER:
        raise ValidationError(f"unknown priority {priority!r}", field="priority")
    if not isinstance(reason, str) or len(reason) > TRIAGE_REASON_MAX_LENGTH:
        raise ValidationError(
            f"reason must be at most {TRIAGE_REASON_MAX_LENGTH} characters", field="reason"
        )
    fields: dict[str, Any] = {
        "language": language,
        "issue_type": issue_type,
        "risk": risk,
        # In the triage's order, each once: the same flags are the same event.
        "risk_flags": [flag for flag in TRIAGE_RISK_FLAGS if flag in set(risk_flags)],
        "priority": priority,
        "reason": reason,
    }
    if by is not None:
        fields["agent"] = by.username
    return fields


@transaction.atomic
def ticket_triage_record(
    *,
    ticket: Ticket,
    language: str,
    issue_type: str,
    risk: int,
    risk_flags: Sequence[str],
    priority: str,
    reason: str,
    by: User | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Write one `triage` event and apply it to the ticket: its language and category (the
    issue type) become the decision's; its priority is raised to the decision's, never
    lowered, by the automatic decision (`by` None), and set to what the agent chose by a
    correction (`by` the agent). Once an agent has corrected a ticket, a later automatic
    decision is recorded but changes nothing on it. The same event again is that event and
    changes nothing."""
    fields = triage_fields(
        language=language,
        issue_type=issue_type,
        risk=risk,
        risk_flags=risk_flags,
        priority=priority,
        reason=reason,
        by=by,
    )
    with ticket_change(ticket) as change:
        return triage_apply(change, fields=fields, by=by, at=at)


def triage_apply(
    change: TicketChange, *, fields: dict[str, Any], by: User | None, at: datetime | None
) -> TicketEvent:
    """Record checked `triage_fields` into an open change of the ticket and apply them (the
    rules of `ticket_triage_record`); `ticket_create` records a new ticket's decision so, in
    the change that writes its first message."""
    corrected_before = any(row.kind == "triage" and row.agent_id for row in change.events)
    event = change.record(kind="triage", fields=fields, agent=by, at=at)
    if event.pk is not None:  # stored before: already applied
        return event
    current = change.ticket
    if by is None and corrected_before:
        return event
    priority = fields["priority"]
    if by is None:
        priority = max(current.priority, priority, key=_priority_rank)
    values = {
        "language": fields["language"],
        "category": fields["issue_type"],
        "priority": priority,
    }
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, values[name])
    change.save_ticket(*changed)
    return event


@transaction.atomic
def ticket_triage_correct(
    *,
    ticket: Ticket,
    by: User,
    language: str,
    issue_type: str,
    risk_flags: Sequence[str],
    priority: str | None = None,
    risk: int | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TicketEvent:
    """An agent's correction (the ticket page's "Correct" form, the API): what the agent left
    out is kept — the priority the ticket has, the risk of the latest decision (0 without
    one). The reason is the agent's note, else what changed from the latest decision."""
    previous = (
        TicketEvent.objects.filter(ticket=ticket, kind="triage").order_by("-at", "-id").first()
    )
    before: dict[str, Any] = previous.fields if previous is not None else {}
    if risk is None:
        risk = int(before.get("risk", 0))
    reason = note.strip() or _changes(before, language, issue_type, risk_flags)
    return ticket_triage_record(
        ticket=ticket,
        language=language,
        issue_type=issue_type,
        risk=risk,
        risk_flags=risk_flags,
        priority=priority or ticket.priority,
        reason=reason,
        by=by,
        at=at,
    )


def _changes(
    before: dict[str, Any], language: str, issue_type: str, risk_flags: Sequence[str]
) -> str:
    """ "issue type quality_issue → wrong_item; risk flags none → legal": what a correction
    changed from the previous decision (kept in English, as the automatic reasons are)."""
    parts = []
    for name, old, new in (
        ("language", before.get("language") or "—", language or "—"),
        ("issue type", before.get("issue_type") or "—", issue_type),
        (
            "risk flags",
            ", ".join(sorted(before.get("risk_flags", []))) or "none",
            ", ".join(sorted(set(risk_flags))) or "none",
        ),
    ):
        if old != new:
            parts.append(f"{name} {old} → {new}")
    return "; ".join(parts) or "confirmed"


def _priority_rank(priority: str) -> int:
    return PRIORITY_ORDER.index(priority) if priority in PRIORITY_ORDER else -1
