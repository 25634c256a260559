"""The store's chat widget (docs/channels.md, "Chat widget"): a buyer's messages in, the
agents' replies out, over `/widget/<key>/messages`.

The first message starts a conversation and answers its token (`<conversation id>.<secret>`;
only the secret's SHA-256 is kept), which the widget keeps in the buyer's localStorage and
sends as `X-Widget-Token` from then on: no cookie, nothing a CSRF could ride on. Each message
is stored raw first and taken through the ticket services like any other channel's (a `chat`
ticket tagged `widget`). Limits: 2,000 characters a message; 20 messages per conversation in
10 minutes; 5 new conversations per client address and widget in an hour, 60 per widget.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from afterdesk.channels.relay_models import ChatWidget, Conversation, RelayMessage, RelaySource
from afterdesk.channels.services.relays import (
    Forbidden,
    IncomingMessage,
    Unauthorized,
    message_take,
    payload_finish,
    payload_store,
)
from afterdesk.core.errors import DomainError, NotFound, PayloadTooLarge, ValidationError
from afterdesk.tickets.models import Message, MessageKind

MAX_BODY_BYTES = 16 * 1024
MAX_TEXT_CHARS = 2000
MESSAGES_PER_WINDOW = 20
MESSAGE_WINDOW = timedelta(minutes=10)
CONVERSATIONS_PER_ADDRESS_HOUR = 5
CONVERSATIONS_PER_WIDGET_HOUR = 60
PAGE = 100
TOKEN_HEADER = "X-Widget-Token"  # noqa: S105 - a header name, not a secret


class TooManyRequests(DomainError):
    status = 429


def widget_get(key: str) -> ChatWidget:
    widget = ChatWidget.objects.filter(key=key[:40], enabled=True).first()
    if widget is None:
        raise NotFound("no such chat widget", field="key")
    return widget


def origin_allowed(widget: ChatWidget, origin: str) -> bool:
    return bool(origin) and origin.lower() in widget.allowed_origins


def conversation_of(widget: ChatWidget, token: str) -> Conversation:
    """The conversation `token` proves; 401 without one, 403 for a wrong one."""
    if not token:
        raise Unauthorized(f"the {TOKEN_HEADER} header is missing", field=TOKEN_HEADER)
    number, _dot, secret = token.partition(".")
    conversation = None
    if number.isascii() and number.isdigit() and len(number) < 19 and secret:
        conversation = Conversation.objects.filter(
            pk=int(number), owner=f"widget:{widget.key}"
        ).first()
    digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
    if conversation is None or not hmac.compare_digest(conversation.token_sha256, digest):
        raise Forbidden("the conversation token is not valid", field=TOKEN_HEADER)
    return conversation


@dataclass(frozen=True)
class Posted:
    message: dict[str, Any]
    token: str  # only for a new conversation


def message_post(widget: ChatWidget, *, body: bytes, token: str, client: str) -> Posted:
    """A buyer's message (see the module)."""
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is over {MAX_BODY_BYTES} bytes", field="body")
    conversation = conversation_of(widget, token) if token else None
    data = _parse(body)
    if conversation is None:
        _new_conversation_allowed(widget, client)
    else:
        recent = RelayMessage.objects.filter(
            conversation=conversation, created_at__gte=timezone.now() - MESSAGE_WINDOW
        ).count()
        if recent >= MESSAGES_PER_WINDOW:
            raise TooManyRequests("too many messages; wait a few minutes", field="text")
    owner = f"widget:{widget.key}"
    payload = payload_store(source=RelaySource.WIDGET, owner=owner, body=body)
    new_token = ""
    external_id = conversation.external_id if conversation else uuid.uuid4().hex
    result = message_take(
        IncomingMessage(
            source=RelaySource.WIDGET,
            owner=owner,
            conversation_id=external_id,
            message_id=data["client_id"] or uuid.uuid4().hex,
            text=data["text"],
            sent_at=timezone.now(),
            store=widget.store,
            sender_name=data["name"],
            sender_email=data["email"],
            sender_handle=f"{widget.key}:{external_id}" if not data["email"] else "",
            tags=["widget"],
        ),
        payload=payload,
    )
    payload_finish(payload, taken=1 if result.stored else 0)
    if conversation is None:
        secret = secrets.token_urlsafe(24)
        digest = hashlib.sha256(secret.encode("utf-8")).hexdigest()
        Conversation.objects.filter(pk=result.message.conversation_id).update(token_sha256=digest)
        new_token = f"{result.message.conversation_id}.{secret}"
    message = result.message.ticket_message
    return Posted(_shape(message) if message else {}, new_token)


def _parse(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError("the body is not UTF-8 JSON", field="body") from error
    if not isinstance(data, dict):
        raise ValidationError("the body must be a JSON object", field="body")
    unknown = sorted(set(data) - {"text", "name", "email", "client_id"})
    if unknown:
        raise ValidationError(f"unknown field {unknown[0]!r}", field=unknown[0])
    limits = {"text": MAX_TEXT_CHARS, "name": 100, "email": 254, "client_id": 64}
    clean: dict[str, str] = {}
    for name, limit in limits.items():
        value = data.get(name) or ""
        if not isinstance(value, str):
            raise ValidationError(f"{name} must be a string", field=name)
        if len(value) > limit:
            raise ValidationError(
                f"{name} is {len(value)} characters; the limit is {limit}", field=name
            )
        clean[name] = value.strip()
    if not clean["text"]:
        raise ValidationError("the message is empty", field="text")
    email = clean["email"]
    if email and ("@" not in email or any(ch.isspace() for ch in email)):
        raise ValidationError("the email address is not valid", field="email")
    return clean


def _new_conversation_allowed(widget: ChatWidget, client: str) -> None:
    hour_ago = timezone.now() - timedelta(hours=1)
    started = Conversation.objects.filter(
        owner=f"widget:{widget.key}", created_at__gte=hour_ago
    ).count()
    if started >= CONVERSATIONS_PER_WIDGET_HOUR:
        raise TooManyRequests("this chat is busy; try again later", field="text")
    key = f"afterdesk-widget-new:{widget.key}:{client}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > CONVERSATIONS_PER_ADDRESS_HOUR:
        raise TooManyRequests("too many new conversations; try again later", field="text")


def messages_since(conversation: Conversation, since: str) -> list[dict[str, Any]]:
    """The buyer's messages and the agents' replies (never notes) after message `since`."""
    if since and not (since.isascii() and since.isdigit() and len(since) < 19):
        raise ValidationError("since must be a message id", field="since")
    if conversation.ticket_id is None:
        return []
    after = int(since) if since else 0
    rows = (
        Message.objects.filter(
            Q(kind=MessageKind.INBOUND) | Q(kind=MessageKind.REPLY),
            ticket_id=conversation.ticket_id,
            id__gt=after,
        )
        .order_by("id")
        .only("id", "kind", "body_text", "created_at")[:PAGE]
    )
    return [_shape(message) for message in rows]


def _shape(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "from": "buyer" if message.kind == MessageKind.INBOUND else "agent",
        "text": message.body_text,
        "at": message.created_at.isoformat(),
    }
