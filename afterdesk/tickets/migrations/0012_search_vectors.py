"""The search index as stored columns (afterdesk/tickets/search.py): on PostgreSQL
`afterdesk_search_fold` again (runs of Chinese and Japanese as overlapping bigrams), a stored
generated `search_vector` column with a GIN index on the tickets (subject), messages (text)
and buyers (name) in place of migration 0009's expression indexes; on SQLite the FTS5 tables
refilled with the bigrams. A table rewrite each on PostgreSQL (about a minute per million
messages)."""

from django.db import migrations


def create(apps, schema_editor):
    from afterdesk.tickets.search import search_index_rebuild

    search_index_rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0011_saved_view"),
        ("commerce", "0004_customer_tags"),
    ]

    # Backwards: the stored columns stay (0009's create builds them too); nothing to undo.
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
