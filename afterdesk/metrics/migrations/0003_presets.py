from django.db import migrations


def install_presets(apps, schema_editor):  # type: ignore[no-untyped-def]
    from afterdesk.metrics.presets import PRESETS

    Template = apps.get_model("metrics", "ScorecardTemplate")
    Version = apps.get_model("metrics", "ScorecardTemplateVersion")
    for definition in PRESETS:
        template, created = Template.objects.get_or_create(
            key=definition["id"],
            defaults={"name": definition["name"], "role": definition["role"], "is_preset": True},
        )
        if created:
            Version.objects.create(template=template, number=1, definition=definition)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0002_templates")]
    operations = [migrations.RunPython(install_presets, migrations.RunPython.noop)]
