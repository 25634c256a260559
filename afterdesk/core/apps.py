from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "afterdesk.core"
    label = "core"
