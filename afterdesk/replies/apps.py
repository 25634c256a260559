from django.apps import AppConfig


class RepliesConfig(AppConfig):
    name = "afterdesk.replies"
    label = "replies"
    verbose_name = "Replies and macros"
