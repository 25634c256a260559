import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """One published scorecard per template, kind and period (0008 removed the copies)."""

    dependencies = [
        ("metrics", "0008_published_once"),
    ]

    operations = [
        migrations.AlterField(
            model_name="publishedscorecard",
            name="template",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="metrics.scorecardtemplate",
            ),
        ),
        migrations.AddConstraint(
            model_name="publishedscorecard",
            constraint=models.UniqueConstraint(
                fields=("template", "scope", "period_start", "period_end"),
                name="published_scorecard_once_per_template_and_period",
            ),
        ),
    ]
