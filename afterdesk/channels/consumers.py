"""What the channels app does when the desk changes (registered in `channels.apps`)."""

from __future__ import annotations

import logging

from django.db import transaction

from afterdesk.channels.marketplace import MAILED_CHANNELS
from afterdesk.channels.services.sending import delivery_queue
from afterdesk.channels.tasks import reply_send_task
from afterdesk.tickets.models import Ticket, TicketEvent

logger = logging.getLogger(__name__)


def reply_email_queue(*, ticket: Ticket, event: TicketEvent) -> None:
    """A reply on an email ticket: once it is committed, its delivery row and its sending
    (docs/channels.md, "Sending replies"). Nothing is read in the reply's transaction (the
    write path's statements are counted: tests/api/test_write_path.py)."""
    if ticket.channel not in MAILED_CHANNELS:  # email, and marketplace relay mail
        return
    ticket_id, event_id = ticket.pk, event.pk

    def queue() -> None:
        delivery = delivery_queue(ticket_id=ticket_id, event_id=event_id)
        if delivery is not None:
            # A queue that is down loses nothing: the minute's sweep sends what is due.
            reply_send_task(delivery_id=delivery.pk)

    # robust: a failure here (logged) never turns the committed reply into an error.
    transaction.on_commit(queue, robust=True)
