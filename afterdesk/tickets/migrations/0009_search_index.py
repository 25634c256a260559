"""The inbox's full-text index, per database (afterdesk/tickets/search.py): on PostgreSQL the
`afterdesk_search_fold` function (with `unaccent` when the extension can be created) and GIN
indexes on the subjects, messages and buyers' names; on SQLite FTS5 tables kept by triggers;
on both, `upper(…)` indexes for whole values (history ids, order and tracking numbers)."""

from django.db import migrations


def create(apps, schema_editor):
    from afterdesk.tickets.search import search_index_create

    search_index_create()


def drop(apps, schema_editor):
    from afterdesk.tickets.search import search_index_drop

    search_index_drop()


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_automation_event"),
        ("commerce", "0003_tracking_normalised"),
    ]

    operations = [migrations.RunPython(create, drop)]
