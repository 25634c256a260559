"""SLA clocks on business hours: policies, deadlines from the event log, the sweep (docs/sla.md)."""

from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "afterdesk.sla"
    label = "sla"
    verbose_name = "SLA"

    def ready(self) -> None:
        # Each ticket's deadlines follow every change to its log and to its calendar: the
        # desk tells us through its consumer registries (docs/architecture.md).
        from afterdesk.calendars.consumers import calendar_hours_changed, team_schedules_changed
        from afterdesk.commerce.consumers import customer_tags_changed
        from afterdesk.sla.consumers import (
            calendar_sla_refresh,
            customer_sla_refresh,
            team_sla_refresh,
            ticket_sla_store,
        )
        from afterdesk.tickets.consumers import tickets_changed

        tickets_changed.register(ticket_sla_store)
        calendar_hours_changed.register(calendar_sla_refresh)
        team_schedules_changed.register(team_sla_refresh)
        customer_tags_changed.register(customer_sla_refresh)
