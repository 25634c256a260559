"""Indexes for a period's KPIs of every agent (docs/benchmarks.md, "Weekly review"): the facts
by their first-reply and solve instants, the reply waits by their instant, and the tickets'
priority and category by id, so a week's facts and events join their tickets through an
index instead of a scan of every ticket (a 200,000-ticket desk: the first-reply query 137 →
31 ms on PostgreSQL).

The tickets' index is SQL of its own rather than a field of `tickets.Ticket`'s Meta: it
serves the metrics' queries only, and the tickets app does not know them."""

from django.db import migrations, models

TICKET_INDEX = "ticket_kpi_dimensions"


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0011_facts_changed_days"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="replywait",
            index=models.Index(fields=["at"], name="reply_wait_at"),
        ),
        migrations.AddIndex(
            model_name="ticketfacts",
            index=models.Index(fields=["first_reply_at"], name="facts_first_reply_at"),
        ),
        migrations.AddIndex(
            model_name="ticketfacts",
            index=models.Index(fields=["last_solve_at"], name="facts_last_solve_at"),
        ),
        # The same statement on PostgreSQL and SQLite; (id, …) lets both read a ticket's
        # priority and category from the index alone.
        migrations.RunSQL(
            sql=f'CREATE INDEX "{TICKET_INDEX}" ON "tickets_ticket" ("id", "priority", "category")',
            reverse_sql=f'DROP INDEX "{TICKET_INDEX}"',
        ),
    ]
