from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "afterdesk.surveys"
    label = "surveys"
    verbose_name = "Surveys"
