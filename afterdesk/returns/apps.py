from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "afterdesk.returns"
    label = "returns"
    verbose_name = "Returns"
