"""The ticket page's Returns panel (docs/returns.md, "Pages and API"): `{% returns_panel ticket %}`,
beside the SLA and survey cards: the ticket's return cases and a form to start one from the
ticket's order lines. The caller's view has authorised the ticket."""

from __future__ import annotations

from typing import Any

from django import template

from afterdesk.returns.models import Reason, Resolution, ReturnCase
from afterdesk.tickets.models import Ticket

register = template.Library()


@register.inclusion_tag("returns/partials/ticket_panel.html", takes_context=True)
def returns_panel(context: dict[str, Any], ticket: Ticket) -> dict[str, Any]:
    # One query when the ticket has no return (a prefetch of nothing runs no query).
    cases = ReturnCase.objects.filter(ticket_id=ticket.pk).prefetch_related(
        "lines__order_line", "refunds"
    )
    # The ticket page prefetched the orders and their lines: no query here.
    orders = ticket.orders.all()
    return {
        "ticket": ticket,
        "cases": cases,
        "orders": orders,
        "reasons": Reason.choices,
        "resolutions": Resolution.choices,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
