from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0009_search_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("message", "Message"),
                    ("assign", "Assignment"),
                    ("status", "Status change"),
                    ("escalate", "Escalation"),
                    ("complaint", "Complaint"),
                    ("csat", "CSAT rating"),
                    ("return", "Return outcome"),
                    ("qa_review", "QA review"),
                    ("sla_warning", "SLA warning"),
                    ("sla_breach", "SLA breach"),
                    ("no_reply", "No reply needed"),
                    ("triage", "Triage"),
                    ("routing", "Routing"),
                    ("automation", "Automation"),
                    ("return_step", "Return step"),
                ],
                max_length=12,
            ),
        ),
    ]
