"""Routing rules, per-team assignment settings, per-agent routing profiles (skills, capacity,
presence, shift, approval limit) and approval requests (docs/routing.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team
from afterdesk.calendars.models import Calendar
from afterdesk.tickets.models import Priority, Ticket


class RoutingRule(models.Model):
    """Rules are tried by `position` (then id) on a new ticket; the first enabled one whose
    every condition holds decides (first match wins, as the SLA policies). An empty condition
    matches everything. Its actions set the team, the priority, add tags, or name an agent."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    # Conditions (lists of accepted values; empty: any).
    channels = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    stores = models.JSONField(default=list, blank=True)  # commerce.Store ids
    markets = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)  # triage's detected language
    categories = models.JSONField(default=list, blank=True)  # triage's issue type
    priorities = models.JSONField(default=list, blank=True)
    # The ticket has at least one of these tags (the ticket's own).
    tags = models.JSONField(default=list, blank=True)
    # The ticket's customer has at least one of these tags (commerce.Customer.tags, e.g. vip).
    customer_tags = models.JSONField(default=list, blank=True)
    order_value_min = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    order_value_max = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    risk_min = models.PositiveSmallIntegerField(null=True, blank=True)  # triage risk 0–100
    # Actions.
    set_team = models.ForeignKey(
        Team, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_priority = models.CharField(max_length=10, choices=Priority.choices, blank=True)
    add_tags = models.JSONField(default=list, blank=True)
    set_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class AssignMode(models.TextChoices):
    LEAST_LOADED = "least_loaded", _("Least loaded")
    ROUND_ROBIN = "round_robin", _("Round robin")


class TeamRouting(models.Model):
    """How a team's tickets are handed to its agents. A team without a row assigns
    automatically, least loaded, and reassigns after 30 minutes offline."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing")
    auto_assign = models.BooleanField(default=True)
    mode = models.CharField(max_length=20, choices=AssignMode.choices, default="least_loaded")
    # Tickets of an agent offline for longer are reassigned (0: never).
    reassign_after_minutes = models.PositiveIntegerField(default=30)
    # Round robin's place: the agent who got the team's last ticket.
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"routing of {self.team}"


class Presence(models.TextChoices):
    ONLINE = "online", _("Online")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


class AgentRouting(models.Model):
    """An agent as routing sees them. Languages are the agent profile's
    (`accounts.AgentProfile.languages`); an empty list of categories or platforms means all.
    Only `online` agents on shift get new tickets; `shift` None means always on shift."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="routing"
    )
    capacity = models.PositiveIntegerField(default=8)  # open tickets assigned at most
    categories = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    presence = models.CharField(max_length=10, choices=Presence.choices, default="offline")
    presence_at = models.DateTimeField(null=True, blank=True)
    shift = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Refunds and credits above it wait for a supervisor; None: no limit.
    approval_limit = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    approval_currency = models.CharField(max_length=3, blank=True)

    def __str__(self) -> str:
        return f"routing profile of {self.user}"


class ApprovalKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    CREDIT = "credit", _("Credit")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class ApprovalRequest(models.Model):
    """A refund or credit above its agent's limit, waiting for a supervisor's decision."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="approvals"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=ApprovalKind.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default="pending", db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.status})"
