from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "afterdesk.notifications"
    label = "notifications"
    verbose_name = "Notifications"
