from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "afterdesk.sla"
    label = "sla"
    verbose_name = "SLA"
