from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "afterdesk.training"
    label = "training"
    verbose_name = "Training"

    def ready(self) -> None:
        from afterdesk.training import checks  # noqa: F401 - registers the startup check
