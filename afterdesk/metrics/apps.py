from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "afterdesk.metrics"
    label = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        # The per-ticket facts are part of every change to a ticket (docs/metrics.md,
        # "Where the figures come from"): the desk tells us through its consumer registries.
        from django.db.models.signals import post_delete

        from afterdesk.accounts.models import User
        from afterdesk.calendars.consumers import calendar_hours_changed
        from afterdesk.metrics.consumers import (
            calendar_facts_refresh,
            ticket_facts_store,
            user_deleted,
        )
        from afterdesk.tickets.consumers import tickets_changed

        tickets_changed.register(ticket_facts_store)
        calendar_hours_changed.register(calendar_facts_refresh)
        # A deleted user's events and facts lose their agent, at any date.
        post_delete.connect(user_deleted, sender=User, dispatch_uid="metrics-user-deleted")
