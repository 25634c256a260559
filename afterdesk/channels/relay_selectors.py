"""Reads of the relay channels for pages (docs/channels.md, "Messenger and Instagram",
"Replies to the platform")."""

from __future__ import annotations

from afterdesk.channels.relay_models import RelayDelivery


def relay_deliveries_of_ticket(*, ticket_id: int) -> dict[int, RelayDelivery]:
    """The ticket's Send API deliveries by the reply's event id (one query). The caller has
    authorised the ticket."""
    deliveries = RelayDelivery.objects.filter(ticket_id=ticket_id).select_related("conversation")
    return {d.event_id: d for d in deliveries}
