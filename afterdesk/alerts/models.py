"""Performance alerts for supervisors and the thresholds that raise them (docs/alerts.md)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team
from afterdesk.tickets.models import Ticket


class AlertKind(models.TextChoices):
    LONG_OPEN = "long_open", _("Long-open conversation")
    COMPLAINT_RATE_JUMP = "complaint_rate_jump", _("Complaint rate jump")
    REOPEN_RATE_JUMP = "reopen_rate_jump", _("Reopen rate jump")
    SLA_DROP = "sla_drop", _("SLA compliance drop")
    ESCALATION_RATE_HIGH = "escalation_rate_high", _("High escalation rate")
    TEAM_ESCALATION_RATE_HIGH = "team_escalation_rate_high", _("High team escalation rate")


class Severity(models.TextChoices):
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class Alert(models.Model):
    """One thing a supervisor should look at. `dedupe_key` names the situation (kind, subject
    and period), so a sweep that runs twice, or catches up after downtime, stores it once."""

    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts"
    )
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    message = models.TextField()
    figures = models.JSONField(default=dict, blank=True, help_text="The numbers behind it")
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    notify_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["acknowledged_at", "-created_at"], name="alert_open"),
            models.Index(fields=["notified_at"], name="alert_notified"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message[:80]}"

    @property
    def message_shown(self) -> str:
        """`message` in the active language (stored in English; alerts/messages.py)."""
        from afterdesk.alerts.messages import message_text

        return message_text(self.message)


def _rate_threshold(default: str) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )


class AlertSettings(models.Model):
    """Desk-wide alert thresholds (one row, pk=1)."""

    long_open_factor = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="Alert when a ticket is open longer than this × its team's handling time",
    )
    long_open_window_days = models.PositiveSmallIntegerField(
        default=28,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Days of solved tickets the team's handling time is averaged over",
    )
    complaint_rate_rise = _rate_threshold("0.05")
    reopen_rate_rise = _rate_threshold("0.05")
    sla_drop = _rate_threshold("0.05")
    min_n = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Both weeks need at least this sample size (KPI n) before a rate alerts",
    )
    template_key = models.SlugField(
        max_length=100,
        blank=True,
        help_text="Scorecard template whose first-reply targets define SLA compliance "
        "(blank: the built-in default template)",
    )
    escalation_window_days = models.PositiveSmallIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Complete days (desk time zone) the escalation rate is measured over",
    )
    escalation_rate_max = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text="Alert when escalations per handled ticket are more than this (0: off)",
    )
    escalation_peer_factor = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Alert when the escalation rate is more than this × the median of the peers "
        "(agents of the same template, or the other teams); 0: off, else at least 1",
    )
    escalation_min_handled = models.PositiveIntegerField(
        default=20,
        validators=[MinValueValidator(1)],
        help_text="Handled tickets in the window an agent or team needs before its escalation "
        "rate alerts or counts towards a median",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "alert settings"

    def __str__(self) -> str:
        return "alert settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # one row: `load()` reads pk=1, so the admin's row is that one
        super().save(*args, **kwargs)

    def clean(self) -> None:
        factor = self.escalation_peer_factor
        if factor is not None and Decimal("0") < factor < Decimal("1"):
            # below 1 most agents would be "above" their peers: a mistake, not a setting
            raise ValidationError(
                {"escalation_peer_factor": _("Use 0 (off) or a factor of at least 1.")}
            )

    @classmethod
    def load(cls) -> AlertSettings:
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row
