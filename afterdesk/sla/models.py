"""SLA policies and each ticket's clock state (docs/sla.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from afterdesk.calendars.models import Calendar
from afterdesk.tickets.models import Ticket
from afterdesk.tickets.queue import running_due

DEFAULT_PAUSE_STATUSES = ["pending", "on_hold"]


def default_pause_statuses() -> list[str]:
    return list(DEFAULT_PAUSE_STATUSES)


class Hours(models.TextChoices):
    CALENDAR = "calendar", _("Calendar hours (24×7)")
    BUSINESS = "business", _("Business hours")
    # The ticket's team's schedules for its market (docs/calendars.md, "Team schedules");
    # dates no schedule covers count in the policy's calendar, or the ticket's own.
    TEAM = "team", _("Business hours of the ticket's team")


class Policy(models.Model):
    """Deadlines for the tickets it matches. Policies are tried by `position` (then id); the
    first enabled one whose every condition holds sets the ticket's targets. An empty
    condition matches everything.

    `targets`: priority → {target → minutes}, targets among first_reply, next_reply,
    periodic_update, resolution (a missing one has no clock). Minutes count in business hours
    of `calendar` (or, without one, of the ticket's own calendar) when `hours` is business,
    in plain elapsed time when it is calendar."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    # Conditions (lists of accepted values; empty: any).
    channels = models.JSONField(default=list, blank=True)
    platforms = models.JSONField(default=list, blank=True)
    # Store ids (commerce.Store); a list rather than a relation so that matching needs one
    # query per change of a ticket (the policies), not two.
    stores = models.JSONField(default=list, blank=True)
    markets = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    categories = models.JSONField(default=list, blank=True)
    priorities = models.JSONField(default=list, blank=True)
    # The ticket has at least one of these tags (the ticket's own; a buyer's are below).
    tags = models.JSONField(default=list, blank=True)
    # The ticket's customer has at least one of these tags (commerce.Customer.tags, e.g. vip).
    customer_tags = models.JSONField(default=list, blank=True)
    order_value_min = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    order_value_max = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    # What the clocks count.
    targets = models.JSONField(default=dict)
    hours = models.CharField(max_length=10, choices=Hours.choices, default=Hours.BUSINESS)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="sla_policies"
    )
    pause_statuses = models.JSONField(default=default_pause_statuses, blank=True)
    warning_minutes = models.PositiveIntegerField(default=60)
    # The shipped preset this policy came from ("marketplace"), so an upgrade can find it.
    preset = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.name


class TicketSla(models.Model):
    """A ticket's SLA clocks as computed from its log and its policy (`sla.state`): each
    target's current deadline (null: no running clock) and `next_at`, the next instant the
    sweep has something to write (a warning or a breach), null when nothing is pending. The
    sweep finds due tickets through the partial index on `next_at`."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="sla"
    )
    policy = models.ForeignKey(
        Policy, on_delete=models.SET_NULL, null=True, blank=True, related_name="states"
    )
    first_reply_due = models.DateTimeField(null=True, blank=True)
    next_reply_due = models.DateTimeField(null=True, blank=True)
    periodic_update_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    next_at = models.DateTimeField(null=True, blank=True)
    # Each clock's detail for the ticket page: [{target, state, due, started_at, …}]
    clocks = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_at"], name="sla_next_at", condition=Q(next_at__isnull=False)
            ),
            # The inbox sorted by SLA deadline walks this in order (tickets.queue.running_due;
            # the expression must stay exactly the one the inbox orders by).
            models.Index(running_due(""), name="sla_running_due", condition=Q(paused=False)),
        ]

    def __str__(self) -> str:
        return f"SLA of ticket {self.ticket_id}"


class BreachNotice(models.Model):
    """The escalation of one `sla_breach`: the mail to the supervisors of the ticket's team,
    written in the breach's transaction and sent after it (once: `sent_at` is stamped)."""

    event = models.OneToOneField(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="sla_notice"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_notices")
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], name="sla_notice_unsent", condition=Q(sent_at=None))
        ]

    def __str__(self) -> str:
        return f"breach notice for event {self.event_id}"
