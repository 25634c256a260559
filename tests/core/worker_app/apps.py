from django.apps import AppConfig


class WorkerAppConfig(AppConfig):
    """A tiny app loaded only by the worker tests' settings: a durable task with a row effect."""

    name = "tests.core.worker_app"
    label = "worker_app"
    default_auto_field = "django.db.models.BigAutoField"
