"""Agents' corrections of triage as labelled messages (docs/triage.md, "Corrections"): for
each ticket whose triage an agent corrected, its first buyer message (the ticket's subject
and the message's text) with the agent's latest correction as the label, in the format of
the labelled sets in tests/data/ (`afterdesk.triage.measure`, which the tickets app does not
import: the keys are spelt here)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import F, OuterRef, Subquery

from afterdesk.tickets.models import Message, MessageKind, TicketEvent

CHUNK = 500


def triage_corrections(since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """One labelled message per corrected ticket (corrected at or after `since`), oldest
    correction first; a ticket without a buyer message gives none. One query, read a chunk
    at a time. Besides the labelled set's keys, `corrected_at` and `agent` say where the label
    comes from (the measurement ignores them)."""
    corrections = TicketEvent.objects.filter(kind="triage", agent__isnull=False)
    if since is not None:
        corrections = corrections.filter(at__gte=since)
    latest = (
        TicketEvent.objects.filter(ticket=OuterRef("ticket"), kind="triage", agent__isnull=False)
        .order_by("-at", "-id")
        .values("id")[:1]
    )
    first_inbound = (
        Message.objects.filter(ticket=OuterRef("ticket"), kind=MessageKind.INBOUND)
        .order_by("created_at", "id")
        .values("body_text")[:1]
    )
    rows = corrections.annotate(latest=Subquery(latest), body=Subquery(first_inbound)).filter(
        pk=F("latest"), body__isnull=False
    )
    for event in rows.select_related("ticket").order_by("at", "id").iterator(chunk_size=CHUNK):
        fields = event.fields
        yield {
            "id": f"ticket-{event.ticket_id}",
            "lang": fields.get("language", ""),
            "subject": event.ticket.subject,
            "body": event.body,
            "issue_type": fields.get("issue_type", "other"),
            "risk_flags": list(fields.get("risk_flags", [])),
            "corrected_at": event.at.isoformat(),
            "agent": fields.get("agent", ""),
        }
