from django.apps import AppConfig


class QaConfig(AppConfig):
    name = "afterdesk.qa"
    label = "qa"
    verbose_name = "Quality reviews"
