from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "afterdesk.tickets"
    label = "tickets"
    verbose_name = "Tickets"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from afterdesk.core.fulltext import sqlite_functions_install

        # The SQL function the search index's SQLite triggers call (tickets.search).
        connection_created.connect(sqlite_functions_install, dispatch_uid="afterdesk_fulltext")
