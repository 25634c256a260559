from django.apps import AppConfig


class BonusesConfig(AppConfig):
    name = "afterdesk.metrics.bonuses"
    label = "bonuses"
