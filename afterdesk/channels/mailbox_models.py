"""A mailbox's servers (IMAP polled, SMTP for sending, passwords encrypted at rest) with its
polling state, and the delivery of each agent reply by email (docs/channels.md, "Mailboxes",
"Polling", "Sending replies"). Imported by `channels.models` so Django finds them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.channels.models import Mailbox
from afterdesk.core.credentials import secret_decrypt, secret_encrypt
from afterdesk.tickets.models import Ticket, TicketEvent


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (plain text)")


class MailboxConnection(models.Model):
    """How the desk reaches a mailbox. The passwords are Fernet tokens
    (`core.credentials`): set with `set_password`, read with `password`, never shown."""

    mailbox = models.OneToOneField(
        Mailbox, on_delete=models.CASCADE, primary_key=True, related_name="connection"
    )
    enabled = models.BooleanField(default=True, help_text="Polled and used for sending")
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(null=True, blank=True)
    imap_security = models.CharField(max_length=10, choices=Security.choices, default="ssl")
    imap_username = models.CharField(max_length=255, blank=True)
    imap_password_encrypted = models.TextField(blank=True)
    imap_folder = models.CharField(max_length=255, default="INBOX")
    smtp_host = models.CharField(max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(null=True, blank=True)
    smtp_security = models.CharField(max_length=10, choices=Security.choices, default="starttls")
    smtp_username = models.CharField(max_length=255, blank=True)
    smtp_password_encrypted = models.TextField(blank=True)
    # Polling state: the folder's UIDVALIDITY and the highest UID stored from it.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_poll_ok_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    last_poll_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"connection of {self.mailbox}"

    def set_password(self, which: str, plain: str) -> None:
        """Store the `imap` or `smtp` password encrypted (empty: no password)."""
        setattr(self, f"{which}_password_encrypted", secret_encrypt(plain))

    def password(self, which: str) -> str:
        return secret_decrypt(str(getattr(self, f"{which}_password_encrypted")))

    @property
    def polls(self) -> bool:
        return self.enabled and bool(self.imap_host)

    @property
    def sends(self) -> bool:
        return self.enabled and bool(self.smtp_host)

    def port(self, which: str) -> int:
        """The configured port, else the usual one for the protocol and security."""
        configured = getattr(self, f"{which}_port")
        if configured:
            return int(configured)
        security = getattr(self, f"{which}_security")
        if which == "imap":
            return 993 if security == Security.SSL else 143
        return {Security.SSL: 465, Security.STARTTLS: 587}.get(security, 25)


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Not sent yet, will retry")
    FAILED = "failed", _("Failed")


class ReplyDelivery(models.Model):
    """The email of one agent reply: written in the reply's transaction, sent by a background
    task, retried with backoff. The headers are fixed at the first attempt and reused, so a
    retry is the same message (the same Message-ID)."""

    event = models.OneToOneField(
        TicketEvent, on_delete=models.CASCADE, related_name="email_delivery"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="email_deliveries")
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A claimed delivery is someone's until then (a crashed sender's claim runs out).
    locked_until = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.TextField(blank=True)
    in_reply_to = models.TextField(blank=True)
    references = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["ticket"], name="delivery_ticket"),
        ]

    def __str__(self) -> str:
        return f"delivery of event {self.event_id}: {self.state}"


class ReplyBounce(models.Model):
    """A bounce (delivery report) that came back for mail on a ticket, read once: which
    reply of the desk it returns (by the Message-ID in its returned message or headers), to
    whom, and the mail server's status and diagnostic. A bounce of a reply marks that
    reply's delivery failed (docs/channels.md, "Automatic mail")."""

    inbound = models.OneToOneField(
        "channels.InboundEmail", on_delete=models.CASCADE, primary_key=True, related_name="bounce"
    )
    delivery = models.ForeignKey(
        ReplyDelivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="bounces"
    )
    recipient = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=20, blank=True)  # e.g. 5.1.1 (RFC 3463)
    diagnostic = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"bounce of inbound {self.inbound_id}"
