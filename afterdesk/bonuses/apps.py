from django.apps import AppConfig


class BonusesConfig(AppConfig):
    name = "afterdesk.bonuses"
    label = "bonuses"
