"""The email state of agents' replies on the ticket page (docs/channels.md, "Sending
replies"): `{% reply_deliveries ticket as deliveries %}` once per page (one query, none for a
ticket without replies), then `{% reply_delivery_badge deliveries message %}` per message.

And the automatic mail that threads to the ticket (docs/channels.md, "Automatic mail"):
`{% automatic_mail ticket as automatic %}` once, then `{% automatic_mail_before automatic %}`
before the first message and `{% automatic_mail_after automatic message %}` after each, so
each auto-reply or bounce shows after the message it came after. The tickets app renders
these tags and imports nothing of channels (the layering of docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import template

from afterdesk.accounts.models import User
from afterdesk.channels.mailbox_models import ReplyDelivery
from afterdesk.channels.mailbox_selectors import deliveries_of_ticket
from afterdesk.channels.marketplace import MAILED_CHANNELS
from afterdesk.channels.relay_models import RelayDelivery
from afterdesk.channels.relay_selectors import relay_deliveries_of_ticket
from afterdesk.channels.selectors import inbound_can_view
from afterdesk.channels.ticket_mail_selectors import AutomaticMail, automatic_mail_of_ticket
from afterdesk.tickets.models import MessageKind, Ticket

register = template.Library()


@register.simple_tag
def reply_deliveries(ticket: Ticket) -> Mapping[int, ReplyDelivery | RelayDelivery]:
    """The ticket's deliveries by event id; the caller's view has authorised the ticket."""
    if not any(message.kind == MessageKind.REPLY for message in ticket.messages.all()):
        return {}
    if ticket.channel == "chat":  # Messenger and Instagram replies go through the Send API
        return relay_deliveries_of_ticket(ticket_id=ticket.pk)
    found: dict[int, ReplyDelivery | RelayDelivery] = dict(
        deliveries_of_ticket(ticket_id=ticket.pk)
    )
    if ticket.channel == "marketplace":  # relay mail by email, a signed webhook's by its URL
        found.update(relay_deliveries_of_ticket(ticket_id=ticket.pk))
    return found


@register.inclusion_tag("channels/partials/delivery_badge.html", takes_context=True)
def reply_delivery_badge(
    context: template.Context,
    deliveries: Mapping[int, ReplyDelivery | RelayDelivery],
    message: Any,
) -> dict[str, Any]:
    return {"delivery": deliveries.get(message.event_id), "user": context.get("user")}


@dataclass
class AutomaticPlacement:
    """The ticket's automatic mail by the message it came after (`before`: before them all)."""

    before: list[AutomaticMail] = field(default_factory=list)
    after: dict[int, list[AutomaticMail]] = field(default_factory=dict)


@register.simple_tag
def automatic_mail(ticket: Ticket) -> AutomaticPlacement:
    """Place each automatic mail after the newest message written before it arrived. Email
    tickets only (no query for the others); the caller's view has authorised the ticket."""
    placement = AutomaticPlacement()
    if ticket.channel not in MAILED_CHANNELS:
        return placement
    messages = sorted(ticket.messages.all(), key=lambda m: (m.created_at, m.pk))
    for mail in automatic_mail_of_ticket(ticket_id=ticket.pk):
        earlier = [m for m in messages if m.created_at <= mail.received_at]
        if earlier:
            placement.after.setdefault(earlier[-1].pk, []).append(mail)
        else:
            placement.before.append(mail)
    return placement


def _automatic_context(context: template.Context, mails: list[AutomaticMail]) -> dict[str, Any]:
    user = context.get("user")
    return {
        "mails": mails,
        "ticket": context.get("ticket"),
        # Raw mail may hold anything a stranger sent: its page is for admins and supervisors.
        "inbound_viewer": isinstance(user, User) and inbound_can_view(user),
    }


@register.inclusion_tag("channels/partials/automatic_mail.html", takes_context=True)
def automatic_mail_before(
    context: template.Context, placement: AutomaticPlacement
) -> dict[str, Any]:
    return _automatic_context(context, placement.before)


@register.inclusion_tag("channels/partials/automatic_mail.html", takes_context=True)
def automatic_mail_after(
    context: template.Context, placement: AutomaticPlacement, message: Any
) -> dict[str, Any]:
    return _automatic_context(context, placement.after.get(message.pk, []))
