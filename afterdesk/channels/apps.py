from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "afterdesk.channels"
    label = "channels"
    verbose_name = "Channels"

    def ready(self) -> None:
        # An agent's reply on a ticket that came by email goes out by email
        # (docs/channels.md, "Sending replies").
        from afterdesk.channels.consumers import reply_email_queue
        from afterdesk.tickets.consumers import reply_written

        reply_written.register(reply_email_queue)
        # …and on a Messenger or Instagram conversation through the Send API
        # (docs/channels.md, "Messenger and Instagram").
        from afterdesk.channels.relay_consumers import reply_relay_queue

        reply_written.register(reply_relay_queue)
