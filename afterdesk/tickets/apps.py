from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "afterdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"
