import json
from typing import Any

from django.db import migrations


def _drop_the_copies(apps: Any, schema_editor: Any) -> None:
    """Fill each published scorecard's template, and delete the copies that publishing the
    same period again used to make: a later row with the same template version, period and
    frozen rows as an earlier one goes, the earliest (the one people saw first) stays. Rows
    that differ are all kept: which kind (group or what-if) they were is not recorded, so
    their `scope` stays null and a later publish of their kind adopts one of them."""
    published_model = apps.get_model("metrics", "PublishedScorecard")
    seen: set[tuple[int, object, object, str]] = set()
    copies: list[int] = []
    rows = published_model.objects.select_related("template_version").order_by("published_at", "id")
    for row in rows:
        key = (
            row.template_version_id,
            row.period_start,
            row.period_end,
            json.dumps(row.rows, sort_keys=True),
        )
        if key in seen:
            copies.append(row.pk)
            continue
        seen.add(key)
        row.template_id = row.template_version.template_id
        row.save(update_fields=["template"])
    published_model.objects.filter(pk__in=copies).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0007_published_template"),
    ]

    operations = [
        migrations.RunPython(_drop_the_copies, migrations.RunPython.noop),
    ]
