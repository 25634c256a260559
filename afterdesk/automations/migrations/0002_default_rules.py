"""A new installation starts with the shipped automations (`automations.defaults`): the SLA
breach escalation on, the apology and the coupon off until their template and codes exist."""

from typing import Any

from django.db import migrations


def defaults_add(apps: Any, schema_editor: Any) -> None:
    from afterdesk.automations.defaults import defaults_install

    defaults_install(apps.get_model("automations", "Rule"))


class Migration(migrations.Migration):
    dependencies = [("automations", "0001_initial")]

    operations = [migrations.RunPython(defaults_add, migrations.RunPython.noop)]
