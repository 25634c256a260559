from django.apps import AppConfig


class RecognitionConfig(AppConfig):
    name = "afterdesk.recognition"
    label = "recognition"
    verbose_name = "Recognition"
