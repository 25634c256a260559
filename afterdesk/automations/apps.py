from django.apps import AppConfig


class AutomationsConfig(AppConfig):
    name = "afterdesk.automations"
    label = "automations"
    verbose_name = "Automations"
