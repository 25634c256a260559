"""The search's pairs of neighbouring words (afterdesk/tickets/search_pg.py): on PostgreSQL the
SQL functions again (a query's phrase, its pairs) and a GIN index of each stored vector's pairs
of words on the tickets, messages and buyers, so that a phrase of frequent words reads only its
own rows. No table rewrite: index builds (about a minute per million messages). SQLite's FTS5
tables match phrases by themselves: nothing to do there."""

from django.db import migrations


def create(apps, schema_editor):
    from afterdesk.tickets.search import pg_indexes_create
    from afterdesk.tickets.search_pg import pg_functions_install

    if schema_editor.connection.vendor == "postgresql":
        pg_functions_install()
        pg_indexes_create()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0013_ticket_buyer_message_at")]

    # Backwards: the functions and indexes stay (harmless to the older code); nothing to undo.
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
