"""Event-condition-action rules and time rules acting on tickets through the ticket services
(docs/automations.md)."""

from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "afterdesk.automations"
    label = "automations"
    verbose_name = "Automations"

    def ready(self) -> None:
        # Ticket changes and new tickets (docs/architecture.md, "Dependencies"), and stalled
        # parcels: each starts the rules of its trigger once the change has committed.
        from afterdesk.automations.consumers import (
            parcel_stalled_automate,
            tickets_changed_automate,
            tickets_opened_automate,
        )
        from afterdesk.parcels.consumers import stall_subscribe
        from afterdesk.tickets.consumers import tickets_changed, tickets_opened

        tickets_changed.register(tickets_changed_automate)
        tickets_opened.register(tickets_opened_automate)
        stall_subscribe(parcel_stalled_automate)
