"""Event-condition-action rules and time rules acting on tickets through the ticket services
(docs/automations.md)."""

from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "afterdesk.automations"
    label = "automations"
    verbose_name = "Automations"

    def ready(self) -> None:
        # Ticket changes (docs/architecture.md, "Dependencies"; a new ticket is one whose whole
        # log is new) and stalled parcels: each starts its trigger's rules after the commit.
        from afterdesk.automations.consumers import (
            parcel_stalled_automate,
            tickets_changed_automate,
        )
        from afterdesk.parcels.consumers import stall_subscribe
        from afterdesk.tickets.consumers import tickets_changed

        tickets_changed.register(tickets_changed_automate)
        stall_subscribe(parcel_stalled_automate)
        # The history shows what a rule did in the reader's language (core.event_text).
        from afterdesk.automations.phrases import automation_text_register

        automation_text_register()
