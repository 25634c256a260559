from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "afterdesk.alerts"
    label = "alerts"
