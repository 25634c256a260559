"""Agents' replies posted back to a signed-webhook platform (docs/channels.md, "Replies to
the platform").

An integration with a `reply_url` gets each agent reply on its tickets as a signed POST, the
mirror of what the platform posts to the desk:

    POST <reply_url>
    Content-Type: application/json
    X-Afterdesk-Timestamp: <unix seconds>
    X-Afterdesk-Signature: sha256=<HMAC-SHA256(secret, timestamp + "." + body)>
    X-Afterdesk-Delivery: <the reply's id, the same on every retry>

    {"type": "reply", "reply_id": "…", "conversation_id": "…", "in_reply_to": "…",
     "text": "…", "agent": {"name": "…"}, "ticket_id": 12, "sent_at": "…",
     "attachments": [{"filename", "content_type", "size"}]}

The platform answers 2xx (its `message_id`, if it sends one, is kept). 408, 429, 5xx and
network errors are tried again with backoff (the Meta deliveries' schedule, from the same
queue: `services.meta.relay_delivery_send`); any other answer fails at once with what the
platform said. A reply URL whose host is a private, loopback, link-local or reserved address
is refused (the desk must not be made to call its own network) unless the server's admin
sets AFTERDESK_ALLOW_PRIVATE_CHANNEL_HOSTS=1 (`services.outbound`); plain http:// is
accepted only then too. Redirects are not followed (one could lead past that check).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from afterdesk.channels.relay_models import Conversation, RelayDelivery, WebhookIntegration
from afterdesk.channels.services.outbound import (
    OPENER,
    PRIVATE_HOSTS_ENV,
    HostUnresolved,
    host_refusal,
    is_private,
    private_hosts_allowed,
    private_text,
)
from afterdesk.core.errors import ValidationError
from afterdesk.tickets.models import Message

TIMEOUT_SECONDS = 20
URL_CHARS = 500
DELIVERY_HEADER = "X-Afterdesk-Delivery"
SIGNATURE_HEADER = "X-Afterdesk-Signature"
TIMESTAMP_HEADER = "X-Afterdesk-Timestamp"
ERROR_BODY_CHARS = 300


class CallbackError(Exception):
    """The reply could not be posted; `transient` ones are tried again."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def reply_url_check(url: str) -> str:
    """A reply URL as saved: https:// (http:// only with private hosts allowed), a host, and
    not an address of the desk's own network (checked again before each post: DNS changes).
    Empty stays empty (no replies posted)."""
    url = url.strip()
    if not url:
        return ""
    if len(url) > URL_CHARS:
        raise ValidationError(f"the reply URL is over {URL_CHARS} characters", field="reply_url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        raise ValidationError("the reply URL is not a URL", field="reply_url") from error
    allowed = private_hosts_allowed()
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationError("the reply URL must be an https:// URL", field="reply_url")
    if parts.scheme == "http" and not allowed:
        raise ValidationError(
            f"the reply URL must use https:// (plain http only with {PRIVATE_HOSTS_ENV}=1)",
            field="reply_url",
        )
    if parts.username or parts.password:
        raise ValidationError("the reply URL must not hold a user or password", field="reply_url")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None
    if literal is not None and not allowed and is_private(literal):
        raise ValidationError(private_text(parts.hostname, literal), field="reply_url")
    return url


def host_check(url: str) -> None:
    """Refuse (not to be retried) a host that resolves to a private address, unless allowed."""
    try:
        refusal = host_refusal(url)
    except HostUnresolved as error:
        raise CallbackError(str(error), transient=True) from error
    if refusal:
        raise CallbackError(refusal, transient=False)


def reply_body(delivery: RelayDelivery, conversation: Conversation) -> bytes:
    """The reply as the platform gets it (see the module)."""
    message = (
        Message.objects.select_related("event", "author")
        .prefetch_related("attachments")
        .get(event_id=delivery.event_id)
    )
    last_buyer = (
        conversation.messages.order_by("-sent_at", "-id")
        .values_list("dedup_key", flat=True)
        .first()
    )
    prefix = f"{conversation.owner}:"
    author = message.author
    body: dict[str, Any] = {
        "type": "reply",
        "reply_id": f"{delivery.ticket_id}-{delivery.event_id}",
        "conversation_id": conversation.external_id,
        "in_reply_to": last_buyer[len(prefix) :]
        if last_buyer and last_buyer.startswith(prefix)
        else None,
        "text": message.body_text,
        "agent": {"name": (author.get_full_name() or author.username) if author else ""},
        "ticket_id": delivery.ticket_id,
        "sent_at": message.event.at.isoformat(),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
    }
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, timestamp + "." + body), as the platform signs."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def callback_send(delivery: RelayDelivery, conversation: Conversation) -> str:
    """Post the reply to the integration's reply URL; the id the platform answered (or "")."""
    name = conversation.owner.partition(":")[2]
    integration = WebhookIntegration.objects.filter(name=name).first()
    if integration is None or not integration.enabled:
        raise CallbackError(f"integration {name} was deleted or disabled", transient=False)
    if not integration.reply_url:
        raise CallbackError(f"integration {name} has no reply URL", transient=False)
    url = integration.reply_url
    try:
        reply_url_check(url)
    except ValidationError as error:
        raise CallbackError(error.message, transient=False) from error
    host_check(url)
    body = reply_body(delivery, conversation)
    stamp = str(int(time.time()))
    request = urllib.request.Request(  # noqa: S310 - reply_url_check allowed only http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Afterdesk",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(integration.secret, stamp, body),
            DELIVERY_HEADER: f"{delivery.ticket_id}-{delivery.event_id}",
        },
    )
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            status, answer = response.status, response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        text = _snippet(error.read(64 * 1024))
        transient = error.code >= 500 or error.code in (408, 429)
        raise CallbackError(
            f"{urlsplit(url).hostname} answered {error.code}: {text or error.reason}",
            transient=transient,
        ) from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise CallbackError(
            f"{urlsplit(url).hostname} cannot be reached: {reason}", transient=True
        ) from error
    if not 200 <= status < 300:  # pragma: no cover - urllib raises for the others
        raise CallbackError(f"{urlsplit(url).hostname} answered {status}", transient=False)
    return _answered_id(answer)


def _snippet(data: bytes) -> str:
    return " ".join(data.decode("utf-8", "replace").split())[:ERROR_BODY_CHARS]


def _answered_id(answer: bytes) -> str:
    try:
        data = json.loads(answer.decode("utf-8")) if answer.strip() else {}
    except (UnicodeDecodeError, json.JSONDecodeError):
        return ""
    value = data.get("message_id") if isinstance(data, dict) else None
    return str(value)[:255] if isinstance(value, str | int) else ""
