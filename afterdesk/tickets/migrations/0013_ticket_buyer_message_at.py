"""The buyer's last message kept on the ticket (`Ticket.buyer_message_at`): the inbox's
"waiting longest" order reads it. Existing tickets get it from their logs: the newest inbound
`message` event, as `tickets.state.replay_state` folds it. With it, `ticket_visibility`: a
ticket's status, team and assignee read from an index when a view joins tickets from the SLA
rows ("breaching soon")."""

from django.db import migrations, models

# One statement on either database (UPDATE … FROM: SQLite 3.33+, PostgreSQL); the index is
# built after the column is filled.
BACKFILL = """
UPDATE tickets_ticket SET buyer_message_at = latest.at
FROM (
    SELECT ticket_id, MAX(at) AS at FROM tickets_ticketevent
    WHERE kind = 'message' AND subtype = 'inbound' GROUP BY ticket_id
) AS latest
WHERE tickets_ticket.id = latest.ticket_id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0012_search_vectors"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="buyer_message_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["buyer_message_at", "updated_at", "id"],
                name="inbox_buyer_waiting",
                condition=models.Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["buyer_message_at", "updated_at", "id"], name="inbox_buyer_waiting_all"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["id"], include=["status", "team", "assignee"], name="ticket_visibility"
            ),
        ),
    ]
