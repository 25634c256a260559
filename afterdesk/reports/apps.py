from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "afterdesk.reports"
    label = "reports"
