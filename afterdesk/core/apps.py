from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "afterdesk.core"
    label = "core"

    def ready(self) -> None:
        from huey.contrib import djhuey

        from afterdesk.core import checks  # noqa: F401 - registers the system checks
        from afterdesk.core.observability import task_failures_watch

        task_failures_watch(djhuey.HUEY)
