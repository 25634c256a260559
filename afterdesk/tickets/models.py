"""Tickets, their messages and attachments, tags, and the append-only event log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from afterdesk.accounts.models import Team
from afterdesk.calendars.models import Calendar
from afterdesk.commerce.models import Customer, Order, Platform, Store


class TicketStatus(models.TextChoices):
    """A ticket's status; named apart from the orders' and shipments' statuses, as the OpenAPI
    schema names its enums after their classes (`Status` is the short name used here)."""

    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


Status = TicketStatus
SOLVED_STATUSES = frozenset({Status.SOLVED.value, Status.CLOSED.value})
# The longest reply or note an agent may write: the ticket page's form, the API's schemas and
# the services all use this one limit.
MESSAGE_BODY_MAX_CHARS = 100_000


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    MARKETPLACE = "marketplace", _("Marketplace message")
    WEBHOOK = "webhook", _("Store webhook")
    CHAT = "chat", _("Chat")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    API = "api", _("API")


class Category(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Not received")
    SIZE_ISSUE = "size_issue", _("Size issue")
    QUALITY_ISSUE = "quality_issue", _("Quality issue")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    MISSING_ITEM = "missing_item", _("Missing item")
    USAGE_QUESTION = "usage_question", _("Usage question")
    RETURN_REQUEST = "return_request", _("Return request")
    DISPUTE = "dispute", _("Dispute")
    OTHER = "other", _("Other")


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """A buyer's case. `external_id` is its id in the history format (docs/history.md,
    "Entity lines").

    status, assignee and team are derived from the event log and kept current by
    `tickets.services`; channel and category are free strings because channels and
    classifiers grow (the choices above are the ones the UI offers).
    """

    external_id = models.CharField(max_length=100, unique=True)
    subject = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=32)
    platform = models.CharField(max_length=20, choices=Platform.choices, blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    market = models.CharField(max_length=10, blank=True)
    language = models.CharField(max_length=10, blank=True)
    category = models.CharField(max_length=50, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True)
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    orders = models.ManyToManyField(Order, related_name="tickets", blank=True)
    calendar = models.ForeignKey(
        Calendar, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    order_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # When the buyer last wrote (the newest inbound message event), kept with the state by the
    # ticket services like `updated_at`: the inbox's "waiting longest" order reads it instead
    # of looking up each listed ticket's messages.
    buyer_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "team", "-updated_at", "-id"], name="inbox_status_team"),
            # Whether a ticket is in a view that joins it from another table ("breaching
            # soon" walks the SLA rows' deadlines): its visibility and status read from the
            # index alone (PostgreSQL; SQLite has no INCLUDE and ignores it).
            models.Index(
                fields=["id"], include=["status", "team", "assignee"], name="ticket_visibility"
            ),
            # "Waiting longest" among the unsolved tickets, walked in order; partial, as solved
            # tickets are most rows and a walk from the oldest message would read them all.
            models.Index(
                fields=["buyer_message_at", "updated_at", "id"],
                name="inbox_buyer_waiting",
                condition=Q(status__in=["new", "open", "pending", "on_hold"]),
            ),
            # …and among all tickets ("all tickets", waiting longest). Both: with this one
            # alone, PostgreSQL walked it for the unsolved views too.
            models.Index(
                fields=["buyer_message_at", "updated_at", "id"], name="inbox_buyer_waiting_all"
            ),
            models.Index(fields=["assignee", "status", "-updated_at"], name="inbox_assignee"),
            models.Index(fields=["-updated_at", "-id"], name="inbox_updated"),
            models.Index(fields=["created_at"], name="ticket_created"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_closed(self) -> bool:
        return self.status == Status.CLOSED


class EventKind(models.TextChoices):
    """Exactly the event types of the history format (docs/history.md, "Event types")."""

    MESSAGE = "message", _("Message")
    ASSIGN = "assign", _("Assignment")
    STATUS = "status", _("Status change")
    ESCALATE = "escalate", _("Escalation")
    COMPLAINT = "complaint", _("Complaint")
    CSAT = "csat", _("CSAT rating")
    RETURN = "return", _("Return outcome")
    QA_REVIEW = "qa_review", _("QA review")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breach")
    NO_REPLY = "no_reply", _("No reply needed")
    TRIAGE = "triage", _("Triage")
    ROUTING = "routing", _("Routing")
    AUTOMATION = "automation", _("Automation")
    RETURN_STEP = "return_step", _("Return step")


class TicketEvent(models.Model):
    """One line of a ticket's history. Append-only: never updated, never deleted by the app.

    Event order (docs/history.md, "Event order") is (`at`, `id`): by instant, then insertion
    (file) order.
    `fields` holds the line's fields other than type/ticket/at (a message's body lives in its
    Message row); `subtype` and `score` copy the field the metrics filter on so SQL can index it
    (message kind, new status, return outcome, SLA target; csat rating, QA score).
    """

    # No single-column indexes on ticket and agent: event_order, uniq_event_per_ticket and
    # event_agent_kind_at start with them (every index slows the history import).
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField()
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ticket_events",
        db_index=False,
    )
    subtype = models.CharField(max_length=30, blank=True)
    score = models.FloatField(null=True, blank=True)
    fields = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "fingerprint"], name="uniq_event_per_ticket")
        ]
        indexes = [
            models.Index(fields=["ticket", "at", "id"], name="event_order"),
            models.Index(fields=["kind", "at"], name="event_kind_at"),
            models.Index(fields=["agent", "kind", "at"], name="event_agent_kind_at"),
            # Covers the handled-volume aggregation (replies in a period, by agent and ticket)
            # without reading the table: replies are a fifth of the events.
            models.Index(
                fields=["at", "agent", "ticket"],
                name="event_reply_at",
                condition=Q(kind="message", subtype="reply"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subtype} on {self.ticket_id} at {self.at:%Y-%m-%d %H:%M}"


class MessageKind(models.TextChoices):
    INBOUND = "inbound", _("Customer message")
    REPLY = "reply", _("Reply")
    AUTO = "auto", _("Automatic message")
    NOTE = "note", _("Internal note")


class Message(models.Model):
    ticket = models.ForeignKey(  # message_ticket starts with it
        Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    event = models.OneToOneField(TicketEvent, on_delete=models.CASCADE, related_name="message")
    kind = models.CharField(max_length=10, choices=MessageKind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised with nh3")
    external_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket"),
            models.Index(
                fields=["external_message_id"],
                name="message_external_id",
                condition=~Q(external_message_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.ticket_id}"

    @property
    def is_public(self) -> bool:
        return self.kind != MessageKind.NOTE


def _attachment_token() -> str:
    return secrets.token_urlsafe(24)


def _attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.token[:2]}/{instance.token}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=64, unique=True, default=_attachment_token)
    file = models.FileField(upload_to=_attachment_path, max_length=300)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class SavedView(models.Model):
    """An agent's own inbox view: a name for a set of inbox filters (the inbox's query string,
    as the URL carries it: docs/ui.md, "The inbox as a work queue")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="uniq_saved_view_name")
        ]

    def __str__(self) -> str:
        return self.name
