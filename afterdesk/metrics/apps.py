from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "afterdesk.metrics"
    label = "metrics"
    verbose_name = "Metrics"
