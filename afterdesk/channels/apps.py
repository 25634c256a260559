from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "afterdesk.channels"
    label = "channels"
    verbose_name = "Channels"
