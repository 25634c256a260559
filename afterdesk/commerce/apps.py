from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "afterdesk.commerce"
    label = "commerce"
    verbose_name = "Stores and orders"
