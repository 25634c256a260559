from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "afterdesk.core"
    label = "core"

    def ready(self) -> None:
        from afterdesk.core import checks  # noqa: F401 - registers the system checks
