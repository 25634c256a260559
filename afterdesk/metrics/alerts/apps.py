from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "afterdesk.metrics.alerts"
    label = "alerts"
