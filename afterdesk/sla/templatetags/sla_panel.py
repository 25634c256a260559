"""The ticket page's SLA card (docs/sla.md, "On the ticket page"): `{% sla_panel ticket %}`,
beside the order panel as the survey card is: one query (the ticket's SLA state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone

from afterdesk.core.timeutil import parse_instant
from afterdesk.sla.forms import TARGET_LABELS
from afterdesk.sla.models import TicketSla
from afterdesk.tickets.models import Ticket

register = template.Library()


def _instant(value: str | None) -> datetime | None:
    return parse_instant(value) if value else None


@register.inclusion_tag("sla/partials/ticket_panel.html")
def sla_panel(ticket: Ticket) -> dict[str, Any]:
    """The caller's view has authorised the ticket. Each target's latest clock, with its
    badge: breached (crossed its deadline), warning (past the warning mark), paused, running,
    met."""
    state = TicketSla.objects.select_related("policy").filter(ticket_id=ticket.pk).first()
    if state is None or state.policy is None:
        return {"state": None}
    now = timezone.now()
    latest: dict[str, dict[str, Any]] = {}
    for clock in state.clocks:
        latest[clock["target"]] = clock
    rows = []
    for target, clock in latest.items():
        due, warn_at = _instant(clock["due"]), _instant(clock["warn_at"])
        if clock["met"] is False or (clock["running"] and due is not None and due < now):
            badge = "breached"
        elif clock["ended_at"] is not None:
            badge = "met" if clock["end"] != "no_reply" else "closed"
        elif not clock["running"]:
            badge = "paused"
        elif warn_at is not None and warn_at <= now:
            badge = "warning"
        else:
            badge = "running"
        rows.append({"label": TARGET_LABELS.get(target, target), "due": due, "badge": badge})
    reply_running = any(
        c["ended_at"] is None and c["target"] in ("first_reply", "next_reply")
        for c in latest.values()
    )
    return {"state": state, "rows": rows, "ticket": ticket, "reply_running": reply_running}
