from django.apps import AppConfig


class HistoryConfig(AppConfig):
    name = "afterdesk.history"
    label = "history"
