from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "afterdesk.training"
    label = "training"
    verbose_name = "Training"
