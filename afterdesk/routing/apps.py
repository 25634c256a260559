"""Routing and assignment: rules, skills, capacity, presence, shifts, approval limits
(docs/routing.md)."""

from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "afterdesk.routing"
    label = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        # New tickets are routed after their triage: the desk tells us through its consumer
        # registry (docs/architecture.md), it does not import us.
        from afterdesk.routing.services import tickets_route_new
        from afterdesk.tickets.consumers import tickets_opened

        tickets_opened.register(tickets_route_new)
        # The history shows the routing reasons in the reader's language (core.event_text).
        from afterdesk.routing.phrases import routing_text_register

        routing_text_register()
