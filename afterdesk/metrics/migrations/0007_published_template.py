import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Published scorecards carry their template (nullable until 0008 fills it) and kind."""

    dependencies = [
        ("metrics", "0006_reply_waits"),
    ]

    operations = [
        migrations.AddField(
            model_name="publishedscorecard",
            name="template",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="metrics.scorecardtemplate",
            ),
        ),
        migrations.AddField(
            model_name="publishedscorecard",
            name="scope",
            field=models.CharField(blank=True, max_length=10, null=True),
        ),
    ]
