"""Automation rules, their firings (the log, and what makes a firing happen once), coupon pools
and the webhook calls still to make (docs/automations.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.tickets.models import Ticket, TicketEvent


class Trigger(models.TextChoices):
    TICKET_CREATED = "ticket_created", _("Ticket created")
    MESSAGE_RECEIVED = "message_received", _("Buyer message received")
    STATUS_CHANGED = "status_changed", _("Status changed")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    PARCEL_STALLED = "parcel_stalled", _("Parcel stalled")
    CSAT_RECEIVED = "csat_received", _("CSAT rating received")
    TIME = "time", _("Time rule")


class Rule(models.Model):
    """When `trigger` happens on a ticket (or, for a time rule, once the ticket has been in
    `time_status` for `time_hours`), and every condition holds, run the actions in order.

    `conditions`: a dict of lists of accepted values (empty or left out: any), the same fields
    as routing and SLA (`conditions.CONDITION_KEYS`). `actions`: a list of dicts, each with a
    `type` (`actions.ACTION_TYPES`). `send_as`: the agent whose name a templated reply carries
    when the ticket has no assignee."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=list)
    time_status = models.CharField(max_length=10, blank=True)
    time_hours = models.PositiveIntegerField(null=True, blank=True)
    time_without_buyer_reply = models.BooleanField(default=False)
    max_per_ticket = models.PositiveSmallIntegerField(default=3)
    send_as = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The default this rule was installed as ("" for a rule someone wrote): installing the
    # defaults again changes nothing.
    default_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["trigger", "enabled"], name="automation_rule_trigger")]

    def __str__(self) -> str:
        return self.name


class FiringState(models.TextChoices):
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    LIMITED = "limited", _("Stopped by the limit")


class Firing(models.Model):
    """One rule on one ticket for one occurrence of its trigger (`key`: the triggering event,
    the stall, or the start of a time rule's qualifying period). Unique, so an occurrence fires
    once whoever runs it and however often."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=20)
    key = models.CharField(max_length=100)
    at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=FiringState.choices)
    actions = models.JSONField(default=list)
    error = models.TextField(blank=True)
    event = models.ForeignKey(
        TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "key"], name="uniq_automation_firing")
        ]
        indexes = [models.Index(fields=["rule", "-at"], name="automation_firing_rule")]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.ticket_id} ({self.key}): {self.state}"


class CouponPool(models.Model):
    """Codes made elsewhere (a shop's discount codes), handed out one per firing, each once."""

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    pool = models.ForeignKey(CouponPool, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(max_length=64)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["pool", "code"], name="uniq_coupon_code")]
        indexes = [models.Index(fields=["pool", "issued_at"], name="coupon_free")]

    def __str__(self) -> str:
        return self.code


class WebhookState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookCall(models.Model):
    """A signed POST a firing makes, stored first and sent in the background, retried with
    backoff until `MAX_TRIES`."""

    firing = models.ForeignKey(Firing, on_delete=models.CASCADE, related_name="webhook_calls")
    url = models.URLField(max_length=2000)
    body = models.TextField()
    secret = models.TextField(blank=True)  # Fernet token (core.credentials)
    state = models.CharField(max_length=10, choices=WebhookState.choices)
    tries = models.PositiveSmallIntegerField(default=0)
    next_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "next_at"], name="automation_webhook_due")]

    def __str__(self) -> str:
        return f"{self.url} ({self.state})"
