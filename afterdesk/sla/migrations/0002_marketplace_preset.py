"""A new installation starts with the marketplace preset on (a seller can turn it off)."""

from typing import Any

from django.db import migrations


def preset_add(apps: Any, schema_editor: Any) -> None:
    from afterdesk.sla.presets import MARKETPLACE_PRESET

    policy_model = apps.get_model("sla", "Policy")
    if not policy_model.objects.filter(preset=MARKETPLACE_PRESET["preset"]).exists():
        policy_model.objects.create(**MARKETPLACE_PRESET)


def preset_remove(apps: Any, schema_editor: Any) -> None:
    apps.get_model("sla", "Policy").objects.filter(preset="marketplace").delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(preset_add, preset_remove)]
