"""The email state of agents' replies on the ticket page (docs/channels.md, "Sending
replies"): `{% reply_deliveries ticket as deliveries %}` once per page (one query, none for a
ticket without replies), then `{% reply_delivery_badge deliveries message %}` per message."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

from afterdesk.channels.mailbox_models import ReplyDelivery
from afterdesk.channels.mailbox_selectors import deliveries_of_ticket
from afterdesk.channels.relay_models import RelayDelivery
from afterdesk.channels.relay_selectors import relay_deliveries_of_ticket
from afterdesk.tickets.models import MessageKind, Ticket

register = template.Library()


@register.simple_tag
def reply_deliveries(ticket: Ticket) -> Mapping[int, ReplyDelivery | RelayDelivery]:
    """The ticket's deliveries by event id; the caller's view has authorised the ticket."""
    if not any(message.kind == MessageKind.REPLY for message in ticket.messages.all()):
        return {}
    if ticket.channel == "chat":  # Messenger and Instagram replies go through the Send API
        return relay_deliveries_of_ticket(ticket_id=ticket.pk)
    return deliveries_of_ticket(ticket_id=ticket.pk)


@register.inclusion_tag("channels/partials/delivery_badge.html", takes_context=True)
def reply_delivery_badge(
    context: template.Context,
    deliveries: Mapping[int, ReplyDelivery | RelayDelivery],
    message: Any,
) -> dict[str, Any]:
    return {"delivery": deliveries.get(message.event_id), "user": context.get("user")}
