from django.apps import AppConfig


class ParcelsConfig(AppConfig):
    name = "afterdesk.parcels"
    label = "parcels"
    verbose_name = "Parcels"
