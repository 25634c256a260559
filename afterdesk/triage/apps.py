from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "afterdesk.triage"
    label = "triage"
    verbose_name = "Message triage"
