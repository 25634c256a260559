from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "afterdesk.calendars"
    label = "calendars"
    verbose_name = "Business-hours calendars"
