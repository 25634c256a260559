from django.apps import AppConfig


class StoresConfig(AppConfig):
    name = "afterdesk.stores"
    label = "stores"
    verbose_name = "Stores"
