from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    name = "afterdesk.parcels"
    label = "parcels"
    verbose_name = "Parcels"

    def ready(self) -> None:
        from afterdesk.parcels import checks  # noqa: F401 - registers the system check
