"""Inbound email as it arrived (raw first, nothing lost), the Message-IDs of each ticket's mail
thread in both directions, and each ticket's reply token (docs/channels.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Store
from afterdesk.tickets.models import Message, Ticket, TicketEvent


class Mailbox(models.Model):
    """An address buyers write to. Minimal today (name, address, the store its buyers belong
    to); the IMAP/SMTP settings join it when the desk polls and sends itself."""

    name = models.CharField(max_length=100)
    address = models.CharField(max_length=254, unique=True)
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="mailboxes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    OPENED = "opened", _("Opened a ticket")
    APPENDED = "appended", _("Added to a ticket")
    DUPLICATE = "duplicate", _("Duplicate")
    AUTOMATIC = "automatic", _("Automatic mail, stored apart")
    FAILED = "failed", _("Failed")


def _raw_path(instance: InboundEmail, filename: str) -> str:
    return f"email/raw/{instance.sha256[:2]}/{instance.sha256}.eml"


class InboundEmail(models.Model):
    """One inbound message, stored raw before anything reads it.

    `dedup_key` is the Message-ID (or, without one, the SHA-256 of the bytes), unique among
    the rows that are not duplicates: ingesting the same message twice stores it once, also
    when two processes race (the database refuses the second row)."""

    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound"
    )
    source = models.CharField(max_length=20)  # "cli", "api", "imap", …
    raw = models.FileField(upload_to=_raw_path, max_length=300)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    message_id = models.CharField(max_length=1000, blank=True)
    dedup_key = models.CharField(max_length=255)
    state = models.CharField(
        max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.TextField(blank=True)
    automatic_kind = models.CharField(max_length=20, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_emails"
    )
    # The ticket message it became (named apart from `message_id`, the Message-ID header).
    ticket_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="inbound_emails"
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    # The whole text is the ticket message's text + `text_folded` (quoted history, signature).
    text_folded = models.TextField(blank=True)
    html = models.TextField(blank=True, help_text="The HTML part, sanitised with nh3")
    notes = models.JSONField(default=list, blank=True)  # decoding notes, dropped attachments
    triage = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=~Q(state="duplicate"),
                name="uniq_inbound_message",
            )
        ]
        indexes = [
            models.Index(fields=["state", "-received_at", "-id"], name="inbound_state"),
            models.Index(fields=["-received_at", "-id"], name="inbound_received"),
        ]

    def __str__(self) -> str:
        return f"inbound #{self.pk} {self.state}"


class Direction(models.TextChoices):
    IN = "in", _("Inbound")
    OUT = "out", _("Outbound")


class ThreadMessageId(models.Model):
    """A Message-ID of a ticket's mail thread: the buyer's messages (`in`) and the desk's
    replies (`out`, made by `services.outgoing.outgoing_message_id`). A reply's In-Reply-To or
    References naming one of them threads it onto the ticket. Ids longer than 255 characters
    are kept as `sha256:<hex>` (`services.threading.message_id_key`)."""

    message_id = models.CharField(max_length=255, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="thread_ids")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    event = models.ForeignKey(
        TicketEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id}"


class EmailThread(models.Model):
    """A ticket's mail thread: its reply token (in the subject `[#123-k7f3mx2p]` and the reply
    address `support+t123-k7f3mx2p@…`), a secret beside the guessable ticket number, and the
    mailbox it runs through."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="email_thread"
    )
    token = models.CharField(max_length=16)
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="threads"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.ticket_id}-{self.token}"


# The mailboxes' servers and the replies' deliveries (a module of their own; Django finds
# models through this one).
from afterdesk.channels.mailbox_models import (  # noqa: E402, F401
    DeliveryState,
    MailboxConnection,
    ReplyBounce,
    ReplyDelivery,
    Security,
)

# Messages that arrive over HTTP (Meta, signed webhooks, the chat widget): a module of their own.
from afterdesk.channels.relay_models import (  # noqa: E402, F401
    ChatWidget,
    Conversation,
    MetaPage,
    RelayAttachment,
    RelayDelivery,
    RelayMessage,
    RelayPayload,
    WebhookIntegration,
)
