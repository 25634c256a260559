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

        # A reply on a marketplace relay ticket that the platform would refuse (links,
        # email addresses, attachments) is refused before it is stored (docs/channels.md,
        # "Marketplace relays").
        from afterdesk.channels.services.marketplace import relay_reply_refuse
        from afterdesk.tickets.consumers import reply_checking

        reply_checking.register(relay_reply_refuse)

        # Agents' corrections of triage are labels for measuring it (docs/triage.md,
        # "Corrections"): `afterdesk triage labels` reads them from the tickets.
        from afterdesk.tickets.triage_corrections import triage_corrections
        from afterdesk.triage.labels import label_source_register

        label_source_register(triage_corrections)
