"""What the relay channels do when an agent replies (registered in `channels.apps` on
`tickets.consumers.reply_written`, beside the email consumer)."""

from __future__ import annotations

from django.db import transaction

from afterdesk.channels.relay_tasks import relay_send_task
from afterdesk.channels.services.meta import reply_delivery_queue
from afterdesk.tickets.models import Ticket, TicketEvent


def reply_relay_queue(*, ticket: Ticket, event: TicketEvent) -> None:
    """A reply on a chat or marketplace ticket: once committed, its delivery when the ticket
    is a Messenger or Instagram conversation, or a signed-webhook one whose integration has a
    reply URL (widget replies need none: the widget reads them; marketplace relay mail goes
    by email). Nothing is read in the reply's transaction."""
    if ticket.channel not in ("chat", "marketplace"):
        return
    ticket_id, event_id = ticket.pk, event.pk

    def queue() -> None:
        delivery = reply_delivery_queue(ticket_id=ticket_id, event_id=event_id)
        if delivery is not None:
            # A queue that is down loses nothing: the minute's sweep sends what is due.
            relay_send_task(delivery_id=delivery.pk)

    # robust: a failure here (logged) never turns the committed reply into an error.
    transaction.on_commit(queue, robust=True)
