"""CSAT surveys (docs/surveys.md): the admins' settings, one survey per solve of a ticket
(its email's state and the buyer's latest answer) and the public page's rate-limit counters."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.channels.models import Mailbox
from afterdesk.tickets.models import Ticket, TicketEvent

DEFAULT_DELAY_HOURS = 24
DEFAULT_EXPIRY_DAYS = 14
COMMENT_MAX_CHARS = 2000


class SurveySettings(models.Model):
    """The one row of settings (pk 1), made with the defaults on first read."""

    enabled = models.BooleanField(
        _("enabled"), default=True, help_text=_("Send a survey after each solve")
    )
    delay_hours = models.PositiveIntegerField(
        _("delay (hours)"),
        default=DEFAULT_DELAY_HOURS,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("Hours between the solve and the survey email"),
    )
    expiry_days = models.PositiveIntegerField(
        _("link expiry (days)"),
        default=DEFAULT_EXPIRY_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("Days the link in the email can be answered"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))

    @classmethod
    def load(cls) -> SurveySettings:
        settings, _created = cls.objects.get_or_create(pk=1)
        return settings


class SurveyState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Not sent yet, will retry")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    SKIPPED = "skipped", _("Not sent")


# A link exists only once the email was built: these surveys can be answered.
ANSWERABLE_STATES = (
    SurveyState.SENDING,
    SurveyState.SENT,
    SurveyState.RETRYING,
    SurveyState.FAILED,
)


def _link_key() -> str:
    return secrets.token_hex(8)


class Survey(models.Model):
    """The survey of one solve (`solve_event`, unique: a solve gets at most one survey). The
    email is sent like a reply (claimed, retried with backoff); the latest answer is kept
    here, each answer is a `csat` event on the ticket (written through the ticket services)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="surveys")
    solve_event = models.OneToOneField(TicketEvent, on_delete=models.CASCADE, related_name="survey")
    solved_at = models.DateTimeField()
    # Part of every link: a link made for a survey row that no longer exists (a restored
    # database reusing ids) finds no survey.
    key = models.CharField(max_length=16, default=_link_key)
    language = models.CharField(max_length=10)
    state = models.CharField(max_length=10, choices=SurveyState.choices)
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="surveys"
    )
    sender = models.CharField(max_length=254, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answers = models.PositiveIntegerField(default=0)
    csat_event = models.ForeignKey(
        TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-solved_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="survey_due"),
            models.Index(fields=["ticket", "-solved_at"], name="survey_ticket"),
        ]

    def __str__(self) -> str:
        return f"survey of ticket {self.ticket_id} ({self.state})"


class SurveyRateCounter(models.Model):
    """Requests to the public page in one fixed window, per client address or per survey: a
    table, so every web process counts the same (docs/surveys.md, "Rate limits")."""

    key = models.CharField(max_length=100)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="uniq_survey_rate")
        ]
        indexes = [models.Index(fields=["window_start"], name="survey_rate_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window_start}: {self.count}"
