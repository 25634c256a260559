"""Monthly awards and the monthly performance email's ledger (docs/recognition.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AwardKind(models.TextChoices):
    MOST_IMPROVED = "most_improved", _("Most improved")
    CSAT_CHAMPION = "csat_champion", _("CSAT champion")
    FASTEST_FIRST_REPLY = "fastest_first_reply", _("Fastest first reply")
    TOUGHEST_CASES = "toughest_cases", _("Toughest cases solved")


class Award(models.Model):
    """One award of one month. Stored once: (month, kind) is unique, so awarding a month again
    (the CLI, the monthly task, both at once) keeps the first one."""

    month = models.DateField(help_text="The first day of the month the award is for")
    kind = models.CharField(max_length=30, choices=AwardKind.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="awards"
    )
    # The figures behind the award (decimal strings, counts, the thresholds and the runner-up),
    # so the explanation stays what it was when the award was given.
    figures = models.JSONField(default=dict)
    candidates = models.PositiveIntegerField(default=0, help_text="Agents who qualified")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-month", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["month", "kind"], name="recognition_award_once")
        ]
        indexes = [models.Index(fields=["agent", "-month"], name="recognition_award_agent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.month:%Y-%m}: {self.agent}"


class PerformanceEmail(models.Model):
    """The monthly performance email of one agent: one row per agent and month, claimed before
    sending and stamped after, so each agent gets one email per month."""

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="performance_emails"
    )
    month = models.DateField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agent", "month"], name="recognition_email_once")
        ]

    def __str__(self) -> str:
        return f"performance email {self.month:%Y-%m} to {self.agent_id}"
