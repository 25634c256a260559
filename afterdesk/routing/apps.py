from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "afterdesk.routing"
    label = "routing"
    verbose_name = "Routing"
