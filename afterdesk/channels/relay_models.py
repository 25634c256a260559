"""Messages that arrive over HTTP instead of email (docs/channels.md, "Webhooks and chat"):
Meta's Messenger and Instagram webhooks, the generic signed JSON webhook of other platforms,
and the store's chat widget. Imported by `channels.models` so Django finds them.

- `RelayPayload`: every request body as it arrived, stored before anything parses it.
- `RelayMessage`: one buyer message taken from a payload, unique by its source's message id
  (Meta's `mid`, the integration's `message_id`): the same message twice is stored once.
- `Conversation`: one buyer thread of one source (a Messenger sender on a page, an
  integration's `conversation_id`, a widget visitor) and the ticket it maps to.
- `RelayDelivery`: an agent reply sent back through Meta's Send API or to a signed webhook's
  reply URL, retried with backoff.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from afterdesk.commerce.models import Customer, Store
from afterdesk.core.credentials import secret_decrypt, secret_encrypt
from afterdesk.tickets.models import Attachment, Message, Ticket, TicketEvent


class RelaySource(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook Messenger")
    INSTAGRAM = "instagram", _("Instagram")
    WEBHOOK = "webhook", _("Signed webhook")
    WIDGET = "widget", _("Chat widget")


def _widget_key() -> str:
    return secrets.token_urlsafe(18)


class WebhookIntegration(models.Model):
    """A platform that posts signed JSON (`POST /api/channels/webhook/<name>`). The secret
    is a Fernet token (`core.credentials`): it must be read again to check signatures."""

    name = models.SlugField(max_length=50, unique=True)
    secret_encrypted = models.TextField()
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enabled = models.BooleanField(default=True)
    # Where agents' replies on its tickets are posted, signed like the platform's own posts
    # (services.callbacks); empty: replies stay in the desk.
    reply_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def set_secret(self, plain: str) -> None:
        self.secret_encrypted = secret_encrypt(plain)

    @property
    def secret(self) -> str:
        return secret_decrypt(self.secret_encrypted)


class MetaPage(models.Model):
    """A Facebook Page or an Instagram professional account whose messages the desk takes
    (entry id of the webhook), with the Page access token for the Send API (encrypted)."""

    page_id = models.CharField(max_length=64, unique=True)
    platform = models.CharField(
        max_length=10,
        choices=[(RelaySource.FACEBOOK, "Facebook"), (RelaySource.INSTAGRAM, "Instagram")],
    )
    name = models.CharField(max_length=100, blank=True)
    access_token_encrypted = models.TextField(blank=True)
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Replies 24 h to 7 days after the buyer's last message go out with the HUMAN_AGENT tag;
    # only for apps Meta granted the Human Agent permission.
    human_agent = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "page_id"]

    def __str__(self) -> str:
        return f"{self.platform} {self.name or self.page_id}"

    def set_access_token(self, plain: str) -> None:
        self.access_token_encrypted = secret_encrypt(plain)

    @property
    def access_token(self) -> str:
        return secret_decrypt(self.access_token_encrypted)


class ChatWidget(models.Model):
    """The chat box of a seller's store: its public key (in the script tag) and the origins
    allowed to use it (CORS)."""

    key = models.CharField(max_length=40, unique=True, default=_widget_key)
    name = models.CharField(max_length=100)
    allowed_origins = models.JSONField(default=list, help_text="e.g. https://shop.example")
    store = models.ForeignKey(
        Store, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    greeting = models.CharField(max_length=300, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """A buyer's thread on one source. `owner` names the page, integration or widget
    (`facebook:<page id>`, `webhook:<name>`, `widget:<key>`); `external_id` the buyer's
    thread there (the sender's id, the integration's conversation_id, a random id)."""

    source = models.CharField(max_length=10, choices=RelaySource.choices)
    owner = models.CharField(max_length=120)
    external_id = models.CharField(max_length=200)
    ticket = models.ForeignKey(
        Ticket, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The widget's visitor proves the conversation is theirs with a token (SHA-256 here).
    token_sha256 = models.CharField(max_length=64, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "external_id"], name="uniq_conversation")
        ]
        indexes = [models.Index(fields=["ticket"], name="conversation_ticket")]

    def __str__(self) -> str:
        return f"{self.owner}/{self.external_id}"


class PayloadState(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    PROCESSED = "processed", _("Processed")
    FAILED = "failed", _("Failed")


class RelayPayload(models.Model):
    """A request body exactly as it arrived (after its signature was checked)."""

    source = models.CharField(max_length=10, choices=RelaySource.choices)
    owner = models.CharField(max_length=120, blank=True)
    body = models.BinaryField()
    state = models.CharField(
        max_length=10, choices=PayloadState.choices, default=PayloadState.RECEIVED
    )
    reason = models.TextField(blank=True)
    messages_taken = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "-received_at"], name="relay_payload_state")]

    def __str__(self) -> str:
        return f"{self.source} payload #{self.pk} {self.state}"


class RelayMessage(models.Model):
    """One buyer message of a payload; `dedup_key` (`<owner>:<message id>`) is unique."""

    payload = models.ForeignKey(
        RelayPayload, on_delete=models.SET_NULL, null=True, related_name="messages"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    dedup_key = models.CharField(max_length=255, unique=True)
    ticket_message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "created_at"], name="relay_message_recent")]

    def __str__(self) -> str:
        return self.dedup_key


class RelayDeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Not sent yet, will retry")
    FAILED = "failed", _("Failed")


class RelayDelivery(models.Model):
    """An agent reply sent to Messenger or Instagram through the Send API, or posted to a
    signed-webhook integration's reply URL (the conversation's source says which)."""

    is_relay = True  # the ticket page's badge tells it from an email delivery

    event = models.OneToOneField(
        TicketEvent, on_delete=models.CASCADE, related_name="relay_delivery"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="relay_deliveries")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="deliveries"
    )
    state = models.CharField(
        max_length=10, choices=RelayDeliveryState.choices, default=RelayDeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    messaging_type = models.CharField(max_length=20, blank=True)
    # The id the platform answered (Meta's mid, a webhook platform's message_id).
    external_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="relay_delivery_due")]

    def __str__(self) -> str:
        return f"relay delivery of event {self.event_id}: {self.state}"


class RelayAttachmentState(models.TextChoices):
    PENDING = "pending", _("Not downloaded yet")
    FETCHED = "fetched", _("Downloaded")
    FAILED = "failed", _("Not downloaded (the link stays)")


class RelayAttachment(models.Model):
    """A file of a Messenger or Instagram message, named by a URL on Meta's servers that
    expires: downloaded in the background onto the ticket message (`services.meta_files`);
    the link stays in the message's text either way."""

    message = models.ForeignKey(RelayMessage, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20)  # Meta's type: image, video, audio, file
    url = models.TextField()
    state = models.CharField(
        max_length=10, choices=RelayAttachmentState.choices, default=RelayAttachmentState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Due then (also a claim: a download in progress moves it past its own time limit).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    attachment = models.ForeignKey(
        Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="relay_file_due")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.message_id}: {self.state}"
