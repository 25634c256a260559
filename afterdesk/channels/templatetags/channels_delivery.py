"""The email state of agents' replies on the ticket page (docs/channels.md, "Sending
replies"): `{% reply_deliveries ticket as deliveries %}` once per page (one query, none for a
ticket without replies), then `{% reply_delivery_badge deliveries message %}` per message."""

from __future__ import annotations

from typing import Any

from django import template

from afterdesk.channels.mailbox_models import ReplyDelivery
from afterdesk.channels.mailbox_selectors import deliveries_of_ticket
from afterdesk.tickets.models import MessageKind, Ticket

register = template.Library()


@register.simple_tag
def reply_deliveries(ticket: Ticket) -> dict[int, ReplyDelivery]:
    """The ticket's deliveries by event id; the caller's view has authorised the ticket."""
    if not any(message.kind == MessageKind.REPLY for message in ticket.messages.all()):
        return {}
    return deliveries_of_ticket(ticket_id=ticket.pk)


@register.inclusion_tag("channels/partials/delivery_badge.html", takes_context=True)
def reply_delivery_badge(
    context: template.Context, deliveries: dict[int, ReplyDelivery], message: Any
) -> dict[str, Any]:
    return {"delivery": deliveries.get(message.event_id), "user": context.get("user")}
