"""In-app notifications and each person's choice of which kinds also come by email
(docs/notifications.md). The app sits low (it imports only accounts and core), so a
notification names its ticket by number, not by a foreign key: the apps above decide what
to say and where the link goes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mentioned in a note")
    ESCALATION = "escalation", _("Ticket escalated to you")
    SLA_BREACH = "sla_breach", _("SLA breach")
    AUTOMATION = "automation", _("Automation rule")
    APPROVAL = "approval", _("Approval waiting")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    CERTIFICATION_EXPIRY = "certification_expiry", _("Certification expiring")


class Notification(models.Model):
    """One thing one person should look at. `dedupe_key` names the occasion (the event or
    row it is about), so a task that runs twice notifies each person once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="A path inside the desk")
    # A plain number: tickets sit above this app, and a notification outlives nothing it
    # points at (a deleted ticket's link answers 404 like any other).
    ticket_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    # The email copy: the address it goes to (blank: no email), when it went, the tries.
    email_to = models.EmailField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_tries = models.PositiveSmallIntegerField(default=0)
    email_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="notification_once",
            )
        ]
        indexes = [
            # The bell's count and the list, both per recipient.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list"),
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True) & ~Q(email_to=""),
                name="notification_mail_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title[:80]}"


class Preference(models.Model):
    """A person's email choice for one kind; without a row the email is on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: email {'on' if self.email else 'off'}"
