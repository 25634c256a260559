"""`TicketFacts.changed_days` and the trigger that records them as changed days
(`FactsChange`) in the statement that writes the facts, and leaves the column null
(metrics.stored): the stored KPI figures are kept correct without a statement more on the
write path (SQLite's triggers cannot change NEW: an UPDATE clears it, which the trigger's
condition then skips)."""

from typing import Any

from django.db import migrations, models

POSTGRESQL = [
    """
    CREATE FUNCTION metrics_facts_changed_days() RETURNS trigger AS $$
    BEGIN
        INSERT INTO metrics_factschange (day, weight)
        SELECT day::date, 1 FROM jsonb_array_elements_text(NEW.changed_days::jsonb) AS day;
        NEW.changed_days := NULL;  -- recorded: nothing kept in the row
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER metrics_facts_changed_days BEFORE INSERT OR UPDATE ON metrics_ticketfacts
    FOR EACH ROW WHEN (NEW.changed_days IS NOT NULL)
    EXECUTE FUNCTION metrics_facts_changed_days()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS metrics_facts_changed_days ON metrics_ticketfacts",
    "DROP FUNCTION IF EXISTS metrics_facts_changed_days()",
]
SQLITE = [
    f"""
    CREATE TRIGGER metrics_facts_changed_days_{when} AFTER {when.upper()} ON metrics_ticketfacts
    WHEN NEW.changed_days IS NOT NULL
    BEGIN
        INSERT INTO metrics_factschange (day, weight)
        SELECT value, 1 FROM json_each(NEW.changed_days);
        UPDATE metrics_ticketfacts SET changed_days = NULL WHERE ticket_id = NEW.ticket_id;
    END
    """
    for when in ("insert", "update")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS metrics_facts_changed_days_{when}" for when in ("insert", "update")
]


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("metrics", "0010_stored_kpis")]

    operations = [
        migrations.AddField(
            model_name="ticketfacts",
            name="changed_days",
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
